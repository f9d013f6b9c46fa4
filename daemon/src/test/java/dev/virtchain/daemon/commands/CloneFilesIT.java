package dev.virtchain.daemon.commands;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtchain.testing.TestDomain;
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
 * UEFI variable store under the clone's name, new paths for file consoles. (RealGuestIT boots a
 * clone beside its running origin.)
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
