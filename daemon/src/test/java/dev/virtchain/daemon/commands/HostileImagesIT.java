package dev.virtchain.daemon.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtchain.libvirt.xml.DiskSourceRewrite;
import dev.virtchain.testing.TestDomain;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.libvirt.Domain;

/**
 * Images nobody should trust, against the real daemon, libvirtd and qemu-img: a guest writes
 * crafted qcow2 headers into its raw disk (a backing file that is a host secret, a data file that
 * is, a {@code json:} backing, a FIFO, a device), and hand-made chains lead out of the image roots
 * (a missing backing format over such a raw disk, an absolute backing path, a symlink). Every
 * command that reads images runs on them, then the daemon restarts and recovers. The secret's
 * bytes never appear in a file virtchain writes, the secret is never changed, nothing blocks, and
 * every refusal names what it refused.
 */
@Timeout(900)
class HostileImagesIT {
    @TempDir
    static Path dir;

    static RealDaemon daemon;
    static Path secretDir;
    static Path secret;
    static Path fifo;
    static byte[] marker;
    static String secretDigest;
    static FileTime secretModified;

    @BeforeAll
    static void plantSecretAndStartDaemon() throws Exception {
        secretDir = Files.createTempDirectory(TestDomain.workRoot(), "vctest-secret-");
        secret = secretDir.resolve("secret");
        marker = ("VCTEST-SECRET-" + UUID.randomUUID()).getBytes(StandardCharsets.US_ASCII);
        byte[] content = new byte[64 * 1024];
        for (int i = 0; i < content.length; i++) {
            content[i] = marker[i % marker.length];
        }
        Files.write(secret, content);
        secretDigest = sha256(Files.readAllBytes(secret));
        secretModified = Files.getLastModifiedTime(secret);
        fifo = secretDir.resolve("fifo");
        run("mkfifo", fifo.toString());
        daemon = RealDaemon.start(dir, "");
    }

    @AfterAll
    static void stopAndCheckTheSecret() throws Exception {
        try {
            if (daemon != null) {
                daemon.close();
            }
            assertEquals(secretDigest, sha256(Files.readAllBytes(secret)), "the secret was never written");
            assertEquals(secretModified, Files.getLastModifiedTime(secret));
        } finally {
            try (Stream<Path> files = Files.list(secretDir)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(secretDir);
        }
    }

    private static JsonNode ok(String... args) throws Exception {
        return daemon.ok(args);
    }

    private static JsonNode error(String code, String... args) throws Exception {
        return daemon.error(code, args);
    }

    /** A guest's raw disk with hostile headers in it: every command reads around them. */
    @Test
    void headersAGuestWritesIntoItsRawDiskAreNeverFollowed() throws Exception {
        try (TestDomain dom = TestDomain.builder().baseFormat(TestDomain.Format.RAW).create()) {
            String d = dom.name();
            ok("--json", "adopt", d);
            Map<String, Path> headers = hostileHeaders(dom.dir());
            List<String> taken = new ArrayList<>();
            for (Map.Entry<String, Path> h : headers.entrySet()) {
                String name = "h-" + h.getKey();
                dom.writeFrom("vda", h.getValue(), 0, Files.size(h.getValue()));
                ok("--json", "snapshot-create", d, name);
                taken.add(name);
                Path export = daemon.exports().resolve(d + "-" + name + ".qcow2");
                ok("--json", "export", d, name, export.toString());
                assertFalse(contains(export, marker), "export of " + name + " holds the secret");
                ok("--json", "du", d);
                ok("--json", "chain", d);
                ok("--json", "snapshot-info", d, name);
            }
            // The raw base holds the first point in time: deleting it commits into the raw image
            // (never into anything its bytes name); then a range goes in one plan.
            ok("--json", "snapshot-delete", d, taken.get(0));
            ok("--json", "snapshot-delete", d, taken.get(1), taken.get(2));
            ok("--json", "flatten", d, "vda");
            restart();
            JsonNode status = ok("--json", "status");
            assertEquals(0, status.at("/recovery/unresolved").size(), status.toString());
            ok("--json", "snapshot-list", d);
            assertNoFileHoldsTheSecret(dir, dom.dir());
        }
    }

    /** Hand-made chains that lead out of the image roots: adoption refuses, names them, changes nothing. */
    @Test
    void handMadeChainsLeadingOutAreRefusedByName() throws Exception {
        record Case(String name, String backingName, String reason) {}
        List<Case> cases = List.of(
                new Case("no-format", null, "does not record the backing file's format"),
                new Case("outside", secret.toString(), "outside the image roots"),
                new Case("symlink", "escape.raw", "leads to " + secret.toRealPath()));
        for (Case c : cases) {
            try (TestDomain dom = TestDomain.builder().baseFormat(TestDomain.Format.RAW).running(false).create()) {
                String d = dom.name();
                Path base = dom.basePath("vda");
                // the raw base already carries a guest-written header naming the secret
                byte[] header = Files.readAllBytes(hostileHeaders(dom.dir()).get("backing-file"));
                try (var ch = java.nio.channels.FileChannel.open(base, java.nio.file.StandardOpenOption.WRITE)) {
                    ch.write(java.nio.ByteBuffer.wrap(header), 0);
                }
                Path overlay = dom.dir().resolve("vda.hand.qcow2");
                String backing = c.backingName() == null ? base.getFileName().toString() : c.backingName();
                if (c.name().equals("symlink")) {
                    Files.createSymbolicLink(dom.dir().resolve("escape.raw"), secret);
                }
                run("qemu-img", "create", "-q", "-f", "qcow2", "-u", "-F", "raw", "-b", backing, overlay.toString(), "64M");
                if (c.name().equals("no-format")) {
                    dropBackingFormat(overlay);
                }
                String xml = dom.domain().getXMLDesc(Domain.XMLFlags.INACTIVE | Domain.XMLFlags.SECURE);
                dom.connection().domainDefineXML(DiskSourceRewrite.withActiveImage(xml, "vda", overlay, "qcow2"));
                Map<Path, String> before = digests(dom.dir());
                // The daemon adopted the domain when it was defined (its plain raw chain): the
                // hand-made overlay is what adoption must now refuse to take in.
                Path ledger = dir.resolve("state/ledgers/" + dom.domain().getUUIDString() + ".xml");
                String ledgerBefore = sha256(Files.readAllBytes(ledger));

                JsonNode refused = error("REFUSED", "--json", "adopt", d);
                String message = refused.path("message").textValue();
                for (String part : List.of(d, "disk vda", overlay.toString(), "'" + backing + "'", c.reason())) {
                    assertTrue(message.contains(part), c.name() + ": the refusal names " + part + ": " + message);
                }
                assertEquals(ledgerBefore, sha256(Files.readAllBytes(ledger)), c.name() + ": its ledger did not change");
                restart();
                JsonNode status = ok("--json", "status");
                assertTrue(status.toString().contains(d), c.name() + ": status reports the domain: " + status);
                assertEquals(ledgerBefore, sha256(Files.readAllBytes(ledger)), c.name() + ": recovery took nothing in");
                assertEquals(before, digests(dom.dir()), c.name() + ": no image changed");
                assertNoFileHoldsTheSecret(dir, dom.dir());
            }
        }
    }

    /**
     * A ':' in a domain name ends up in image file names (a clone's overlays are named after it).
     * QEMU would read the relative backing name "a:b.vda.qcow2" as protocol "a"; virtchain writes
     * "./a:b.vda.qcow2", so snapshots of such a domain work and start.
     */
    @Test
    void aColonInADomainNameStaysPartOfAFileName() throws Exception {
        try (TestDomain dom = TestDomain.builder().running(false).create()) {
            String d = dom.name();
            String clone = d + "-x:y";
            ok("--json", "adopt", d);
            ok("--json", "snapshot-create", d, "c1");
            try {
                ok("--json", "clone", d, "c1", clone);
                ok("--json", "snapshot-create", clone, "s1");
                JsonNode chain = ok("--json", "chain", clone);
                String active = chain.at("/disks/0/active").textValue();
                Process info = new ProcessBuilder("qemu-img", "info", "-U", "--output=json", "-f", "qcow2", active)
                        .redirectErrorStream(true).start();
                String out = new String(info.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(info.waitFor(60, TimeUnit.SECONDS));
                assertTrue(out.contains("\"backing-filename\": \"./" + clone + ".vda.qcow2\""), out);
                dom.connection().domainLookupByName(clone).create(); // libvirt and QEMU open the chain
                ok("--json", "snapshot-create", clone, "s2");
                ok("--json", "snapshot-delete", clone, "s1");
                dom.connection().domainLookupByName(clone).destroy();
            } finally {
                try {
                    Domain c = dom.connection().domainLookupByName(clone);
                    if (c.isActive() == 1) {
                        c.destroy();
                    }
                    c.undefine();
                } catch (Exception e) {
                    // not defined: nothing to clean up
                }
                try (Stream<Path> left = Files.list(dom.dir())) {
                    for (Path f : left.filter(p -> p.getFileName().toString().startsWith(clone)).toList()) {
                        Files.delete(f);
                    }
                }
            }
        }
    }

    // --- hostile bytes --------------------------------------------------------------------------

    /** qcow2 headers a guest could write, each naming the secret (or a FIFO, a device) another way. */
    private static Map<String, Path> hostileHeaders(Path in) throws Exception {
        Map<String, Path> out = new LinkedHashMap<>();
        out.put("backing-file", header(in, "backing-file", "-F", "raw", "-b", secret.toString()));
        out.put("json", header(in, "json", "-F", "raw", "-b",
                "json:{\"driver\":\"file\",\"filename\":\"" + secret + "\"}"));
        out.put("fifo", header(in, "fifo", "-F", "raw", "-b", fifo.toString()));
        out.put("device", header(in, "device", "-F", "raw", "-b", "/dev/zero"));
        // data_file: qemu-img creates the data file it is given, so name a stand-in of the same
        // length and put the secret's name in its place afterwards.
        Path standIn = in.resolve("secreX");
        Path data = header(in, "data-file", "-o", "data_file=" + secretDir.resolve("secreX") + ",data_file_raw=on");
        Files.deleteIfExists(secretDir.resolve("secreX"));
        Files.deleteIfExists(standIn);
        replace(data, secretDir.resolve("secreX").toString(), secret.toString());
        out.put("data-file", data);
        return out;
    }

    private static Path header(Path in, String name, String... options) throws Exception {
        Path f = in.resolve("hostile-" + name + ".qcow2");
        Files.deleteIfExists(f);
        List<String> cmd = new ArrayList<>(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-u"));
        cmd.addAll(List.of(options));
        cmd.addAll(List.of(f.toString(), "1M"));
        run(cmd.toArray(String[]::new));
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--")); // QEMU's user reads it
        return f;
    }

    /** Renames the backing-format header extension to an unknown type: the header no longer records one. */
    private static void dropBackingFormat(Path qcow2) throws IOException {
        byte[] b = Files.readAllBytes(qcow2);
        for (int i = 72; i + 4 <= 65536 && i + 4 <= b.length; i += 8) {
            if ((b[i] & 0xff) == 0xe2 && (b[i + 1] & 0xff) == 0x79 && (b[i + 2] & 0xff) == 0x2a && (b[i + 3] & 0xff) == 0xca) {
                b[i] = 0x7a;
                Files.write(qcow2, b);
                return;
            }
        }
        fail("no backing-format extension in " + qcow2);
    }

    private static void replace(Path file, String from, String to) throws IOException {
        byte[] b = Files.readAllBytes(file);
        byte[] f = from.getBytes(StandardCharsets.UTF_8);
        byte[] t = to.getBytes(StandardCharsets.UTF_8);
        assertEquals(f.length, t.length);
        int at = indexOf(b, f);
        assertTrue(at >= 0, from + " is in " + file);
        System.arraycopy(t, 0, b, at, t.length);
        Files.write(file, b);
    }

    // --- checks ---------------------------------------------------------------------------------

    private static void restart() throws Exception {
        daemon.close();
        daemon = RealDaemon.start(dir, "");
    }

    private static void assertNoFileHoldsTheSecret(Path... trees) throws IOException {
        for (Path tree : trees) {
            try (Stream<Path> all = Files.walk(tree)) {
                for (Path f : all.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList()) {
                    assertFalse(contains(f, marker), f + " holds the secret's bytes");
                }
            }
        }
    }

    private static Map<Path, String> digests(Path tree) throws Exception {
        Map<Path, String> out = new LinkedHashMap<>();
        try (Stream<Path> all = Files.walk(tree)) {
            for (Path f : all.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).sorted().toList()) {
                out.put(f, sha256(Files.readAllBytes(f)));
            }
        }
        return out;
    }

    private static boolean contains(Path file, byte[] needle) throws IOException {
        return indexOf(Files.readAllBytes(file), needle) >= 0;
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            fail(String.join(" ", cmd) + " failed: " + out);
        }
    }
}
