package dev.virtchain.daemon.commands;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtchain.testing.TestDomain;
import dev.virtchain.testing.TestLibvirt;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.libvirt.Domain;

/**
 * {@code clone} gives the clone files of its own, as virt-clone does: a copy of the origin's
 * UEFI variable store under the clone's name, a copy of its emulated TPM's state under the
 * clone's UUID, new paths for file consoles. (RealGuestIT boots a clone beside its running
 * origin.)
 */
@Timeout(600)
class CloneFilesIT {
    @TempDir
    static Path dir;

    static RealDaemon daemon;

    @BeforeAll
    static void startDaemon() throws Exception {
        daemon = RealDaemon.start(dir, "");
    }

    @AfterAll
    static void stopDaemon() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
    }

    private static JsonNode ok(String... args) throws Exception {
        RealDaemon.Run r = daemon.cli(args);
        assertEquals(0, r.status(), r.toString());
        return r.json();
    }

    /**
     * An emulated TPM that has run once (libvirt ran swtpm_setup, swtpm wrote its state) is
     * copied whole: same files, bytes, owner (swtpm's user), group and mode, under the clone's
     * UUID. The daemon is killed after the copy and before the clone is defined; the restarted
     * daemon finishes the clone with the UUID its journal holds, reusing that copy. Then the
     * clone starts beside its running origin.
     */
    @Test
    void theCloneGetsACopyOfTheTpmStateEvenAcrossACrash() throws Exception {
        Path swtpm = Path.of("/var/lib/libvirt/swtpm");
        Path daemonDir = Files.createDirectories(dir.resolve("tpm"));
        String clone = null;
        String originUuid = null;
        java.util.Set<Path> before = Files.isDirectory(swtpm) ? listing(swtpm) : java.util.Set.of();
        RealDaemon crashing = null;
        RealDaemon restarted = null;
        try (TestDomain dom = TestDomain.builder().running(false).create()) {
            String d = dom.name();
            clone = d + "-clone";
            dom.connection().domainDefineXML(dom.xml().replace("</devices>",
                    "<tpm model='tpm-tis'><backend type='emulator' version='2.0'/></tpm></devices>"));
            originUuid = dom.domain().getUUIDString();
            Path originState = swtpm.resolve(originUuid);
            dom.start(); // libvirt manufactures the TPM (swtpm_setup) and swtpm opens its state
            dom.stop(); // the state stays as it is while it is compared
            assertTrue(Files.isRegularFile(originState.resolve("tpm2/tpm2-00.permall")), "swtpm wrote its state");
            java.util.Map<String, String> origin = describe(originState);

            crashing = RealDaemon.start(daemonDir, "crash-at = before-define-clone\n");
            assertEquals(0, crashing.cli("--json", "adopt", d).status());
            assertEquals(0, crashing.cli("--json", "snapshot-create", d, "c1").status());
            RealDaemon.Run died = crashing.cli("--json", "clone", d, "c1", clone);
            assertFalse(died.status() == 0, died.toString());
            crashing.close();
            java.util.Set<Path> copies = listing(swtpm);
            copies.removeAll(before);
            copies.remove(originState);
            assertEquals(1, copies.size(), "one copy, under the clone's UUID, before the clone is defined: " + copies);
            Path copy = copies.iterator().next();
            assertFalse(copy.getFileName().toString().startsWith("."), "the copy was complete: " + copy);

            restarted = RealDaemon.start(daemonDir, "");
            Domain c = dom.connection().domainLookupByName(clone);
            assertEquals(copy.getFileName().toString(), c.getUUIDString(), "the journalled UUID");
            assertEquals(origin, describe(copy), "files, bytes, owner, group and mode");
            java.util.Set<Path> after = listing(swtpm);
            after.removeAll(before);
            assertEquals(java.util.Set.of(originState, copy), after, "nothing else, no partial copy");

            dom.start();
            c.create();
            assertEquals(1, c.isActive(), "the clone runs beside its origin, on its own TPM");
            assertTrue(dom.isRunning());
        } finally {
            if (restarted != null) {
                restarted.close();
            }
            if (crashing != null) {
                crashing.close();
            }
            if (clone != null) {
                String cloneUuid = null;
                try {
                    Domain c = TestLibvirt.connection().domainLookupByName(clone);
                    cloneUuid = c.getUUIDString();
                    if (c.isActive() == 1) {
                        c.destroy();
                    }
                    c.undefine(4 | 32); // VIR_DOMAIN_UNDEFINE_NVRAM | VIR_DOMAIN_UNDEFINE_TPM
                } catch (org.libvirt.LibvirtException e) {
                    // not defined: nothing to undefine
                }
                for (Path p : listing(swtpm)) {
                    boolean ours = p.getFileName().toString().equals(originUuid) || (cloneUuid != null
                            && p.getFileName().toString().contains(cloneUuid)) || !before.contains(p);
                    if (ours && Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        dev.virtchain.daemon.files.StateTree.delete(p);
                    }
                }
                for (String n : new String[] {clone, clone.substring(0, clone.length() - "-clone".length())}) {
                    Files.deleteIfExists(Path.of("/var/log/swtpm/libvirt/qemu", n + "-swtpm.log"));
                }
            }
        }
    }

    /** Relative path to kind, owner, group, mode and content digest, links not followed. */
    private static java.util.Map<String, String> describe(Path root) throws Exception {
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        try (var walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                var a = Files.readAttributes(p, java.nio.file.attribute.PosixFileAttributes.class,
                        java.nio.file.LinkOption.NOFOLLOW_LINKS);
                String content = a.isRegularFile() ? java.util.HexFormat.of().formatHex(
                        java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)))
                        : a.isDirectory() ? "dir" : "other";
                out.put(root.relativize(p).toString(), content + " " + a.owner().getName() + ":" + a.group().getName()
                        + " " + PosixFilePermissions.toString(a.permissions()));
            }
        }
        return out;
    }

    private static java.util.Set<Path> listing(Path d) throws Exception {
        if (!Files.isDirectory(d)) {
            return new java.util.HashSet<>();
        }
        try (var s = Files.list(d)) {
            return s.collect(java.util.stream.Collectors.toCollection(java.util.HashSet::new));
        }
    }

    @Test
    void theCloneGetsACopyOfTheVariableStoreAndAConsoleFileOfItsOwn() throws Exception {
        try (TestDomain dom = TestDomain.builder().running(false).create()) {
            String d = dom.name();
            Path nvram = dom.dir().resolve(d + "_VARS.fd");
            byte[] variables = new byte[128 * 1024];
            new Random(42).nextBytes(variables);
            Files.write(nvram, variables);
            Path console = dom.dir().resolve(d + "-serial0.log");
            String xml = dom.xml()
                    .replace("<os>", "<features><acpi/></features><os>")
                    .replace("</os>", "<loader readonly='yes' type='pflash'>" + dom.dir().resolve("code.fd")
                            + "</loader><nvram>" + nvram + "</nvram></os>")
                    .replace("</devices>", "<serial type='file'><source path='" + console + "'/><target port='0'/>"
                            + "</serial></devices>");
            dom.connection().domainDefineXML(xml);
            ok("--json", "adopt", d);
            ok("--json", "snapshot-create", d, "c1");
            String clone = d + "-clone";
            try {
                ok("--json", "clone", d, "c1", clone);
                Domain c = dom.connection().domainLookupByName(clone);
                String cloneXml = c.getXMLDesc(Domain.XMLFlags.INACTIVE);
                Path cloneNvram = dom.dir().resolve(clone + "_VARS.fd");
                assertTrue(cloneXml.contains("<nvram>" + cloneNvram + "</nvram>"), cloneXml);
                assertArrayEquals(variables, Files.readAllBytes(cloneNvram), "the variables are copied");
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(cloneNvram)));
                assertTrue(cloneXml.contains(dom.dir().resolve(clone + "-serial0.log").toString()), cloneXml);
                assertFalse(cloneXml.contains(console.toString()), cloneXml);
                assertFalse(c.getUUIDString().equals(dom.domain().getUUIDString()));
                try (var files = Files.list(dom.dir())) {
                    assertFalse(files.anyMatch(f -> f.getFileName().toString().endsWith(".partial")));
                }
                assertArrayEquals(variables, Files.readAllBytes(nvram), "the origin's store is untouched");
            } finally {
                try {
                    dom.connection().domainLookupByName(clone).undefine(4); // VIR_DOMAIN_UNDEFINE_NVRAM
                } catch (org.libvirt.LibvirtException e) {
                    // not defined: nothing to clean up
                }
            }
        }
    }
}
