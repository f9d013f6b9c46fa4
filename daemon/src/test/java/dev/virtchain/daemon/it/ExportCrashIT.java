package dev.virtchain.daemon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.daemon.CrashPoints;
import dev.virtchain.testing.ImageContent;
import dev.virtchain.testing.TestDomain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon dies during an export: at each of the export's own crash points, and by a real
 * {@code kill -9} while qemu-img is half-way through the copy. Recovery either finishes the export
 * or removes what it left; a destination that exists is always the whole snapshot (compared with
 * the holder's chain), and no partial file is left behind. Before this, a convert killed half-way
 * left a destination that recovery took for a finished export.
 */
@Timeout(900)
class ExportCrashIT {
    private static final String CONFIG = "[daemon]\nsocket-group = vctest-no-such-group\nmin-free-space = 0\n";
    private static final Duration READY = Duration.ofSeconds(90);

    @TempDir
    static Path home;

    static TestDomain dom;
    static String holderDigest;
    static DaemonProcess daemon;

    @BeforeAll
    static void snapshotWithData() {
        daemon = DaemonProcess.startReady(home, CONFIG);
        dom = TestDomain.builder().create();
        daemon.require("adopt", DaemonProcess.args().put("domain", dom.name()));
        // enough data that qemu-img takes a moment to copy it
        dom.write("vda", 0x5a, "0", "40M");
        dom.write("vda", 0xa5, "48M", "8M");
        JsonNode s = daemon.require("snapshot-create", DaemonProcess.args().put("domain", dom.name()).put("name", "x1"));
        holderDigest = ImageContent.digest(Path.of(s.at("/snapshot/disks/0/file").textValue()));
    }

    @AfterAll
    static void cleanUp() {
        if (daemon != null) {
            daemon.close();
        }
        if (dom != null) {
            dom.close();
        }
    }

    private static Path exports() {
        return DaemonProcess.stateDir(home).resolve("exports");
    }

    private static ObjectNode export(Path dest) {
        return DaemonProcess.args().put("domain", dom.name()).put("name", "x1").put("dest", dest.toString());
    }

    @Test
    void atEachCrashPointRecoveryFinishesOrRemovesTheExport() throws Exception {
        for (String point : List.of("export-created", "after-call", "export-checked", "export-linked")) {
            Path dest = exports().resolve(point + ".qcow2");
            daemon.stop();
            daemon = null;
            DaemonProcess armed = DaemonProcess.start(home, CONFIG, Optional.of(point));
            try {
                armed.awaitReady(READY);
                try {
                    armed.call("export", export(dest));
                    fail("export finished without reaching " + point);
                } catch (IOException expected) {
                    // the daemon halted
                }
                assertEquals(CrashPoints.HALT_STATUS, armed.awaitExit(Duration.ofSeconds(60)), armed.tail());
            } finally {
                armed.close();
            }
            daemon = DaemonProcess.startReady(home, CONFIG);
            assertSettled(point, dest);
        }
    }

    @Test
    void killedWhileQemuImgCopiesRecoveryLeavesNoHalfExport() throws Exception {
        for (int round = 0; round < 3; round++) {
            Path dest = exports().resolve("killed-" + round + ".qcow2");
            Path partial = dest.resolveSibling("." + dest.getFileName() + ".partial");
            DaemonProcess running = daemon;
            CompletableFuture<Void> call = CompletableFuture.runAsync(() -> {
                try {
                    running.call("export", export(dest));
                } catch (IOException | DaemonProcess.Refusal e) {
                    // killed: expected
                }
            });
            // kill at a different moment each round: as soon as the partial file has some data
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            long want = (round + 1) * 4L << 20;
            while (!(Files.exists(partial) && Files.size(partial) >= want) && !Files.exists(dest)) {
                if (System.nanoTime() > deadline) {
                    fail("the export never got going: " + running.tail());
                }
                Thread.sleep(5);
            }
            running.kill();
            call.get();
            daemon = DaemonProcess.startReady(home, CONFIG);
            assertSettled("kill -9, round " + round, dest);
        }
    }

    /** Recovery settled the one operation; the export is whole or absent, and no partial is left. */
    private static void assertSettled(String when, Path dest) throws IOException {
        JsonNode recovery = daemon.require("status", DaemonProcess.args()).path("recovery");
        assertEquals(0, recovery.path("unresolved").size(), when + ": " + recovery);
        if (Files.exists(dest)) {
            assertEquals(holderDigest, ImageContent.digest(dest), when + ": an export that exists is the whole snapshot");
        }
        try (Stream<Path> left = Files.list(exports())) {
            List<Path> partials = left.filter(p -> p.getFileName().toString().endsWith(".partial")).toList();
            assertEquals(List.of(), partials, when + ": no partial export is left");
        }
        // whatever recovery did, an export to a fresh name now works and matches
        Path again = dest.resolveSibling("again-" + dest.getFileName());
        daemon.require("export", export(again));
        assertEquals(holderDigest, ImageContent.digest(again), when);
        assertFalse(daemon.tail().contains("Exception in thread"), daemon.tail());
        assertTrue(Files.exists(again));
    }
}
