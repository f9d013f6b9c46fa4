package dev.virtchain.daemon.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.daemon.CrashPoints;
import dev.virtchain.daemon.ledger.LedgerCodec;
import dev.virtchain.daemon.ledger.StateCheck;
import dev.virtchain.daemon.ledger.StoredLedger;
import dev.virtchain.model.Snapshot;
import dev.virtchain.testing.TestDomain;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A ledger file damaged on disk, with the real daemon: it dies in the middle of a delete just
 * after the commit job was issued, and its current ledger file (which recorded that step as
 * started) then has a bit flipped. The restarted daemon detects the damage, goes on from the
 * previous generation (which had not recorded the step as started, and is marked as possibly
 * under way), and recovery settles the delete from the truth: the domain is not quarantined, every
 * surviving point in time holds what it held, and {@code --check-state} finds everything good.
 * Without the previous generation the domain would have been left alone until an operator came.
 */
@Timeout(600)
class DamagedLedgerIT {
    private static final Duration READY = Duration.ofSeconds(90);

    private Path home;
    private DaemonProcess daemon;
    private TestDomain dom;

    @AfterEach
    void cleanUp() {
        if (daemon != null) {
            daemon.close();
        }
        if (dom != null) {
            dom.close();
        }
        CrashMatrixIT.deleteTree(home);
    }

    private static String config() {
        String uri = System.getenv("VIRTCHAIN_TEST_URI");
        return "[daemon]\nconnect = " + (uri == null || uri.isBlank() ? "qemu:///system" : uri)
                + "\nmin-free-space = 0\nsocket-group = vctest-no-such-group\n";
    }

    @Test
    void aFlippedCurrentFileFallsBackToThePreviousGenerationAndRecoverySettlesTheOperation() throws Exception {
        home = Files.createTempDirectory(TestDomain.workRoot(), "vcd-damaged-");
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
        daemon = DaemonProcess.startReady(home, config());
        dom = TestDomain.builder().create();
        daemon.require("adopt", DaemonProcess.args().put("domain", dom.name()));
        Map<String, Map<String, String>> digests = new HashMap<>();
        dom.write("vda", 0x21, "0", "256k");
        snapshot(digests, "b");
        dom.write("vda", 0x32, "4M", "512k");
        snapshot(digests, "t");
        dom.write("vda", 0x43, "8M", "256k");
        snapshot(digests, "u");
        dom.write("vda", 0x54, "12M", "256k");
        Map<String, String> live = Map.of("vda", ChainAudit.liveDigest(dom, "vda"));
        JsonNode plan = daemon.require("snapshot-delete", delete().put("dry-run", true)).path("plan").path("steps");
        List<String> kinds = new ArrayList<>();
        plan.forEach(s -> kinds.add(s.path("kind").asText()));
        assertEquals(List.of("ledger", "commit", "ledger", "unlink"), kinds, plan.toString());

        // Dies right after the commit was issued: the current file records the commit as started.
        daemon.stop();
        daemon = null;
        DaemonProcess armed = DaemonProcess.start(home, config(), Optional.of("after-call"));
        try {
            armed.awaitReady(READY);
            try {
                armed.call("snapshot-delete", delete());
                fail("the delete finished without reaching its crash point");
            } catch (IOException expected) {
                // the daemon halted
            }
            assertEquals(CrashPoints.HALT_STATUS, armed.awaitExit(Duration.ofSeconds(60)), armed.tail());
        } finally {
            armed.close();
        }
        Path current = ChainAudit.ledgerFile(home, dom);
        Path previous = current.resolveSibling(current.getFileName() + ".prev");
        LedgerCodec codec = new LedgerCodec();
        StoredLedger recorded = codec.read(Files.readAllBytes(current), current.toString());
        assertTrue(recorded.operation().orElseThrow().stepStarted(), "the current file recorded the commit as started");
        StoredLedger before = codec.read(Files.readAllBytes(previous), previous.toString());
        assertFalse(before.operation().orElseThrow().stepStarted(), "the previous one had not");
        assertEquals(recorded.version() - 1, before.version());

        byte[] flipped = Files.readAllBytes(current);
        flipped[flipped.length / 2] ^= 0x08;
        Files.write(current, flipped);
        assertEquals(StateCheck.PROBLEMS, check(), "--check-state sees the damage");

        daemon = DaemonProcess.startReady(home, config());
        JsonNode recovery = daemon.require("status", DaemonProcess.args()).path("recovery");
        assertEquals(0, recovery.path("unresolved").size(), recovery + "\n" + daemon.tail());
        assertEquals(1, recovery.path("completed").asInt() + recovery.path("rolledBack").asInt(), recovery.toString());
        assertTrue(daemon.output().contains("goes on from the previous generation " + previous), daemon.tail());
        try (Stream<Path> files = Files.list(current.getParent())) {
            assertEquals(1, files.filter(f -> f.getFileName().toString().startsWith(current.getFileName() + ".damaged-"))
                    .count(), "the damaged file is kept aside");
        }

        // The delete is finished from the truth: the snapshots and their contents are as they must be.
        StoredLedger after = ChainAudit.read(home, dom);
        assertTrue(after.operation().isEmpty(), after.operation().toString());
        List<String> names = after.ledger().snapshots().stream().map(Snapshot::name).toList();
        assertTrue(names.equals(List.of("b", "u")) || names.equals(List.of("b", "t", "u")), names.toString());
        digests.keySet().retainAll(names);
        ChainAudit.assertTruth(dom, after, digests);
        assertEquals(live.get("vda"), ChainAudit.liveDigest(dom, "vda"), "what the guest sees");
        JsonNode listed = daemon.require("snapshot-list", DaemonProcess.args().put("domain", dom.name()));
        assertTrue(listed.toString().contains("\"u\""), "the domain is managed, not quarantined: " + listed);

        // A second start changes nothing, and the state directory checks clean.
        byte[] settled = ChainAudit.ledgerBytes(home, dom);
        daemon.stop();
        daemon = DaemonProcess.startReady(home, config());
        assertArrayEquals(settled, ChainAudit.ledgerBytes(home, dom), daemon.tail());
        String printed = checkOutput();
        assertTrue(printed.contains("domain " + dom.name()) && printed.contains("all good"), printed);
    }

    private void snapshot(Map<String, Map<String, String>> digests, String name) {
        Map<String, String> live = Map.of("vda", ChainAudit.liveDigest(dom, "vda"));
        daemon.require("snapshot-create", DaemonProcess.args().put("domain", dom.name()).put("name", name)
                .put("quiesce", "no"));
        digests.put(name, live);
    }

    private ObjectNode delete() {
        ObjectNode args = DaemonProcess.args().put("domain", dom.name());
        args.putArray("names").add("t");
        return args;
    }

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private int check() {
        out.reset();
        return StateCheck.run(DaemonProcess.stateDir(home), new PrintStream(out, true, StandardCharsets.UTF_8));
    }

    private String checkOutput() {
        int status = check();
        String printed = out.toString(StandardCharsets.UTF_8);
        assertEquals(StateCheck.GOOD, status, printed);
        return printed;
    }
}
