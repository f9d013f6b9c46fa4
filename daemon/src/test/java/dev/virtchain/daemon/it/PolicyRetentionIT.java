package dev.virtchain.daemon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtchain.daemon.ledger.StoredLedger;
import dev.virtchain.model.Origin;
import dev.virtchain.model.Snapshot;
import dev.virtchain.model.Tombstone;
import dev.virtchain.testing.ImageContent;
import dev.virtchain.testing.TestDomain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A policy at a compressed cron interval (every 5 s, Quartz's six fields) with keep-last 3 runs for
 * several cycles in the real daemon: each cycle takes a snapshot and prunes, so afterwards exactly
 * the newest three of the policy's snapshots are left, each still showing what it was taken with,
 * and the older ones are gone from the chain and from the disk.
 */
@Timeout(240)
class PolicyRetentionIT {
    private static final int CYCLES = 6;

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

    /** A running domain with 1 MiB written, and a root-only home for the daemon. */
    @BeforeEach
    void domainAndHome() throws IOException {
        dom = TestDomain.builder().create();
        dom.write("vda", 0x21, "0", "1M");
        home = Files.createTempDirectory(TestDomain.workRoot(), "vcd-policy-");
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
    }

    /**
     * The point in time {@code holder} shows. The policy run that took the snapshot goes on to
     * prune, and while its commit runs QEMU lets no one else read the images below it ("Failed to
     * get consistent read lock"); what they show through the holder is the same before, during and
     * after the commit, so the read is tried again until the job is over.
     */
    private static String digestBetweenJobs(Path holder) {
        Instant giveUp = Instant.now().plus(Duration.ofSeconds(30));
        while (true) {
            try {
                return ImageContent.digest(holder);
            } catch (IllegalStateException e) {
                if (!String.valueOf(e.getMessage()).contains("lock") || Instant.now().isAfter(giveUp)) {
                    throw e;
                }
                DaemonProcess.sleep(100);
            }
        }
    }

    /** The daemon's warnings and errors, and what its policy runs said. */
    private static String warnings(String log) {
        return log.lines().filter(l -> l.contains("WARN") || l.contains("ERROR") || l.contains("policy "))
                .collect(java.util.stream.Collectors.joining("\n"));
    }

    @Test
    void keepsExactlyTheNewestThreeOfThePolicysSnapshots() throws Exception {
        daemon = DaemonProcess.startReady(home, "[daemon]\nmin-free-space = 0\n\n[policy every5s]\nmatch = " + dom.name()
                + "\nschedule = */5 * * * * ?\nquiesce = no\nkeep-last = 3\n");

        // Snapshot name → digest of its point in time, read as soon as the snapshot shows up (its
        // holder is frozen then; later merges move the holder, never the content).
        Map<String, String> digests = new LinkedHashMap<>();
        Map<String, Instant> created = new HashMap<>();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(5L * CYCLES + 60));
        int pattern = 0x30;
        while (digests.size() < CYCLES) {
            assertTrue(Instant.now().isBefore(deadline), "the policy took " + digests.keySet() + " by now; the"
                    + " daemon's log ends:\n" + daemon.tail());
            JsonNode list = daemon.require("snapshot-list", DaemonProcess.args().put("domain", dom.name()));
            boolean fresh = false;
            for (JsonNode s : list.path("snapshots")) {
                String name = s.path("name").asText();
                if (!s.path("origin").asText().equals("policy") || digests.containsKey(name)) {
                    continue;
                }
                digests.put(name, digestBetweenJobs(Path.of(s.path("disks").get(0).path("file").asText())));
                created.put(name, Instant.parse(s.path("created").asText()));
                fresh = true;
            }
            if (fresh) {
                dom.write("vda", pattern++, Integer.toString(digests.size()) + "M", "256k"); // each point in time differs
            }
            DaemonProcess.sleep(250);
        }
        // SIGTERM lets a policy run under way finish (its grace is 10 s): the state is settled.
        DaemonProcess stopped = daemon;
        daemon.stop();
        daemon = null;

        StoredLedger stored = ChainAudit.read(home, dom);
        // A run that fired after the last look may have added one (and pruned one more): the
        // newest three of everything the policy took is what must be left.
        Map<String, Instant> taken = new HashMap<>(created);
        for (Snapshot s : stored.ledger().snapshots()) {
            assertEquals(Origin.Kind.POLICY, s.origin().kind(), s.toString());
            taken.putIfAbsent(s.name(), s.created());
        }
        List<String> expected = taken.keySet().stream().sorted(Comparator.comparing(taken::get).reversed()).limit(3)
                .sorted(Comparator.comparing(taken::get)).toList();
        List<String> left = stored.ledger().snapshots().stream().sorted(Comparator.comparing(Snapshot::created))
                .map(Snapshot::name).toList();
        assertEquals(expected, left, "the policy's snapshots after " + taken.size() + " cycles");

        Map<String, Map<String, String>> byDisk = new HashMap<>();
        digests.forEach((n, d) -> {
            if (d != null) {
                byDisk.put(n, Map.of("vda", d));
            }
        });
        ChainAudit.assertTruth(dom, stored, byDisk);
        // Three holders and the active image: the older snapshots' images left the chain and the disk.
        assertEquals(4, dom.chain("vda").size(), dom.chain("vda") + "; the ledger's tombstones: "
                + stored.ledger().tombstones() + "; what the daemon said:\n" + warnings(stopped.output()));
    }

    /**
     * A prune whose merge cannot start (another process holds the image lock the commit needs for
     * longer than the retries wait) is rolled back with its images left as pending tombstones; a
     * later prune with nothing new to delete finishes them.
     */
    @Test
    void mergesThatALockedImageStoppedAreFinishedByTheNextPrune() throws Exception {
        String policy = "[daemon]\nmin-free-space = 0\n\n[policy keep1]\nmatch = " + dom.name()
                + "\nquiesce = no\nkeep-last = 1\nschedule = ";
        daemon = DaemonProcess.startReady(home, policy + "*/5 * * * * ?\n");
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (dom.chain("vda").size() < 2) {
            assertTrue(Instant.now().isBefore(deadline), "no policy snapshot yet; the daemon's log ends:\n" + daemon.tail());
            DaemonProcess.sleep(250);
        }
        // qemu-io opens the active image and everything below it, as a backup tool's reader would,
        // and keeps them open until it is stopped: every prune's commit is refused meanwhile.
        Path active = dom.chain("vda").get(0);
        Process reader = new ProcessBuilder("qemu-io", "-U", "-r", "-f", "qcow2", "-c", "sleep 120000", active.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            while (!daemon.output().contains("failed and was rolled back")) {
                assertTrue(Instant.now().isBefore(deadline.plus(Duration.ofSeconds(30))), "no prune failed while "
                        + active + " was held open; the daemon's log ends:\n" + daemon.tail());
                DaemonProcess.sleep(250);
            }
            daemon.stop();
            daemon = null;
        } finally {
            reader.destroy();
            reader.waitFor();
        }
        StoredLedger failed = ChainAudit.read(home, dom);
        assertTrue(failed.ledger().tombstones().stream().anyMatch(Tombstone::mergePending), failed.ledger().tombstones()
                + " after a failed prune");
        assertEquals(1, failed.ledger().snapshots().size(), "keep-last 1: the failed prune still took the snapshot"
                + " out of view: " + failed.ledger().snapshots());

        // The policy no longer fires (its next run is in 2099): only the prune command merges now.
        daemon = DaemonProcess.startReady(home, policy + "0 0 0 1 1 ? 2099\n");
        JsonNode pruned = daemon.require("prune", DaemonProcess.args().put("domain", dom.name()));
        assertEquals(0, pruned.path("deleted").size(), pruned.toString());
        assertTrue(pruned.path("removed").size() > 0, "the pending merges removed their images: " + pruned);
        daemon.stop();
        daemon = null;

        StoredLedger stored = ChainAudit.read(home, dom);
        assertEquals(List.of(), stored.ledger().tombstones());
        ChainAudit.assertTruth(dom, stored, Map.of());
        assertEquals(2, dom.chain("vda").size(), "the newest snapshot's holder and the active image: "
                + dom.chain("vda"));
    }
}
