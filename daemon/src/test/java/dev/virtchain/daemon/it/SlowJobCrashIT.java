package dev.virtchain.daemon.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.daemon.CrashPoints;
import dev.virtchain.daemon.ledger.StoredLedger;
import dev.virtchain.model.Snapshot;
import dev.virtchain.testing.TestDomain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The daemon dies right after it started a speed-limited block job, and comes back while QEMU is
 * still running that job (docs/design.md §6: a job is never forgotten while QEMU may still run it).
 * Recovery must find the job, wait for it rather than start another, and finish the operation;
 * for an active commit that means waiting for READY and then pivoting. In the crash matrix the
 * jobs are too small to outlive a restart; here they copy 8 MiB at 1 MiB/s.
 */
@Timeout(240)
class SlowJobCrashIT {
    private Path home;
    private DaemonProcess daemon;
    private TestDomain dom;

    @AfterEach
    void cleanUp() {
        try {
            if (daemon != null) {
                daemon.close();
            }
        } finally {
            try {
                if (dom != null) {
                    dom.close();
                }
            } finally {
                CrashMatrixIT.deleteTree(home);
            }
        }
    }

    /** {@code commit}: deleting the bottom snapshot; {@code active-commit}: the newest, whose holder has much data. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"commit", "active-commit"})
    void recoveryWaitsForTheJobQemuStillRuns(String kind) throws Exception {
        dom = TestDomain.builder().create();
        home = Files.createTempDirectory(TestDomain.workRoot(), "vcd-slow-");
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
        String config = "[daemon]\nmin-free-space = 0\n";
        daemon = DaemonProcess.startReady(home, config);
        String name = dom.name();
        daemon.require("adopt", DaemonProcess.args().put("domain", name));

        Map<String, Map<String, String>> digests = new HashMap<>();
        // commit: deleting a (held by the base) commits b's 8 MiB into it. active-commit: deleting b,
        // whose holder has 16 MiB, commits the 6 MiB active layer into that holder, then pivots.
        boolean active = kind.equals("active-commit");
        snapshot(digests, "a");
        dom.write("vda", 0x41, "0", active ? "16M" : "8M");
        snapshot(digests, "b");
        dom.write("vda", 0x42, "24M", active ? "6M" : "256k");
        String doomed = active ? "b" : "a";
        ObjectNode dry = delete(name, doomed).put("dry-run", true);
        List<String> kinds = daemon.require("snapshot-delete", dry).path("plan").path("steps").findValuesAsText("kind");
        assertEquals(active ? List.of("ledger", "active-commit", "pivot", "ledger", "unlink")
                : List.of("ledger", "commit", "ledger", "unlink"), kinds);
        String live = ChainAudit.liveDigest(dom, "vda");
        Set<String> before = names(ChainAudit.read(home, dom));

        daemon.stop();
        daemon = DaemonProcess.start(home, config, Optional.of("after-call"));
        daemon.awaitReady(Duration.ofSeconds(90));
        try {
            JsonNode r = daemon.call("snapshot-delete", delete(name, doomed).put("bandwidth", 1));
            fail("the delete finished without reaching the crash point: " + r);
        } catch (IOException expected) {
            // halted right after starting the job
        }
        assertEquals(CrashPoints.HALT_STATUS, daemon.awaitExit(Duration.ofSeconds(60)), daemon.tail());
        assertTrue(jobRunning(name), "QEMU still runs the job the daemon started before it died");

        daemon = DaemonProcess.startReady(home, config);
        JsonNode recovery = daemon.require("status", DaemonProcess.args()).path("recovery");
        assertEquals(1, recovery.path("completed").asInt(), recovery.toString());
        assertTrue(daemon.output().contains("resuming operation"), daemon.tail());
        assertTrue(!jobRunning(name), "the job is over once recovery is");

        StoredLedger after = ChainAudit.read(home, dom);
        Set<String> expected = new TreeSet<>(before);
        expected.remove(doomed);
        assertEquals(expected, names(after));
        ChainAudit.assertTruth(dom, after, digests);
        assertEquals(live, ChainAudit.liveDigest(dom, "vda"), "what the guest sees");
        byte[] settled = ChainAudit.ledgerBytes(home, dom);
        daemon.stop();
        daemon = DaemonProcess.startReady(home, config);
        assertArrayEquals(settled, ChainAudit.ledgerBytes(home, dom), "a second restart rewrote the ledger");
    }

    private void snapshot(Map<String, Map<String, String>> digests, String snap) {
        digests.put(snap, Map.of("vda", ChainAudit.liveDigest(dom, "vda")));
        daemon.require("snapshot-create", DaemonProcess.args().put("domain", dom.name()).put("name", snap)
                .put("quiesce", "no"));
    }

    private static ObjectNode delete(String domain, String snap) {
        ObjectNode args = DaemonProcess.args().put("domain", domain);
        args.putArray("names").add(snap);
        return args;
    }

    /** Asks libvirt directly (virsh blockjob), not the daemon, which is dead or recovering. */
    private boolean jobRunning(String name) {
        String out = DaemonProcess.run(List.of("virsh", "-c", dev.virtchain.testing.TestLibvirt.uri(), "blockjob",
                name, "vda", "--info"));
        return !out.strip().isEmpty() && !out.contains("No current block job");
    }

    private static Set<String> names(StoredLedger l) {
        return l.ledger().snapshots().stream().map(Snapshot::name).collect(Collectors.toCollection(TreeSet::new));
    }
}
