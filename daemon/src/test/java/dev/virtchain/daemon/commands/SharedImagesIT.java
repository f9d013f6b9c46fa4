package dev.virtchain.daemon.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtchain.libvirt.xml.CloneDefinition;
import dev.virtchain.testing.ImageContent;
import dev.virtchain.testing.TestDomain;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.libvirt.Domain;

/**
 * Two domains sharing images (a clone made by hand: an overlay on another domain's snapshot):
 * neither may merge or delete what the other still reads.
 */
@Timeout(600)
class SharedImagesIT {
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

    @Test
    void aHandMadeCloneHoldsItsParentsImagesAndProtectsTheParentsSnapshotUntilItIsGone() throws Exception {
        try (TestDomain parent = TestDomain.builder().running(false).create()) {
            String p = parent.name();
            run(0, "adopt", p);
            run(0, "snapshot-create", p, "s1");
            Path holder = parent.basePath("vda");
            String frozen = ImageContent.digest(holder);

            // The clone, made the way an operator would without virtchain: an overlay on the
            // parent's frozen image and a copy of the parent's definition.
            String c = p + "x";
            Path overlay = parent.dir().resolve(c + ".vda.qcow2");
            new ProcessBuilder(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b",
                    holder.getFileName().toString(), overlay.toString())).inheritIO().start().waitFor();
            String xml = parent.domain().getXMLDesc(Domain.XMLFlags.INACTIVE);
            Domain clone = parent.connection().domainDefineXML(CloneDefinition.of(xml, c, Map.of("vda", overlay)));
            try {
                waitUntil(() -> snapshotsOf(c).size() == 1, "the clone to be adopted");
                JsonNode adopted = run(0, "--json", "snapshot-info", c, snapshotsOf(c).get(0)).json();
                assertEquals(holder.toString(), adopted.at("/disks/0/file").textValue());
                JsonNode refused = run(1, "--json", "snapshot-delete", c, snapshotsOf(c).get(0)).json();
                assertEquals("REFUSED", refused.path("code").textValue(), refused.toString());
                assertTrue(refused.path("message").textValue().contains("parent-" + p), refused.toString());

                JsonNode s1 = run(0, "--json", "snapshot-info", p, "s1").json();
                assertTrue(s1.path("protected").booleanValue(), s1.toString());
                assertTrue(s1.path("clones").toString().contains(c), s1.toString());
                assertEquals("REFUSED", run(1, "--json", "snapshot-delete", p, "s1").json().path("code").textValue());
                assertEquals(frozen, ImageContent.digest(holder), "the shared image is untouched");
            } finally {
                clone.undefine();
            }
            waitUntil(() -> !run0("--json", "snapshot-info", p, "s1").path("protected").booleanValue(),
                    "the protection to be lifted once the clone is gone");
            run(0, "snapshot-delete", p, "s1");
            assertFalse(snapshotsOf(p).contains("s1"));
        }
    }

    private static List<String> snapshotsOf(String domain) {
        List<String> names = new ArrayList<>();
        JsonNode list = run0("--json", "snapshot-list", domain);
        for (JsonNode s : list.path("snapshots")) {
            names.add(s.path("name").textValue());
        }
        return names;
    }

    private static JsonNode run0(String... args) {
        try {
            RealDaemon.Run r = daemon.cli(args);
            return r.status() == 0 ? r.json() : com.fasterxml.jackson.databind.node.MissingNode.getInstance();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static RealDaemon.Run run(int status, String... args) throws Exception {
        RealDaemon.Run r = daemon.cli(args);
        assertEquals(status, r.status(), r.toString());
        return r;
    }

    private static void waitUntil(BooleanSupplier condition, String what) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(200);
        }
    }
}
