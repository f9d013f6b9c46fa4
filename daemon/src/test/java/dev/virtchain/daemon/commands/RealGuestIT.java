package dev.virtchain.daemon.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtchain.testing.GuestRecords;
import dev.virtchain.testing.ImageContent;
import dev.virtchain.testing.RealGuest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * virtchain with a real Linux guest (test-support's {@link RealGuest}): a writer appends
 * numbered, check-summed records to ext4 on two disks and syncs each, while snapshots are
 * taken, deleted and reverted through {@code bin/virtchain}. After every change, each surviving
 * point in time of each disk is checked offline ({@link GuestRecords}): quiesced ones fsck-clean
 * without journal replay, crash-consistent ones clean after replay, every record whole and in
 * sequence, and the last record the one the point in time had when it was taken. One guest is
 * booted for the whole class (a TCG boot costs ~15 s); the tests run in order on it. The last ones
 * prune a range made by a policy, kill the daemon with SIGKILL while a commit job copies, and
 * halt it at a crash point right after a pull has started, then restart it twice.
 */
@Timeout(900)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealGuestIT {
    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    static Path dir;

    static RealDaemon daemon;
    static RealGuest guest;
    /** Per snapshot: the last record of each disk when it was taken, as read right then. */
    static final Map<String, Map<String, Long>> taken = new LinkedHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        daemon = RealDaemon.start(dir, "");
        guest = RealGuest.builder().disks(2).create();
        ok("--json", "adopt", guest.name());
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (guest != null) {
                guest.close();
            }
        } finally {
            if (daemon != null) {
                daemon.close();
            }
        }
    }

    private static JsonNode ok(String... args) throws Exception {
        RealDaemon.Run r = daemon.cli(args);
        assertEquals(0, r.status(), r.toString());
        return r.json();
    }

    /** Takes a snapshot while the writer runs, checks its points in time, remembers their last records. */
    private static JsonNode snapshot(String name, String quiesce, String expected) throws Exception {
        guest.awaitMoreRecords(20, WAIT);
        JsonNode s = ok("--json", "snapshot-create", guest.name(), name, "--quiesce", quiesce).path("snapshot");
        assertEquals(expected, s.path("consistency").textValue(), s.toString());
        Map<String, Long> last = new LinkedHashMap<>();
        for (JsonNode disk : s.path("disks")) {
            GuestRecords.PointInTime p = read(disk, expected);
            last.put(p.disk(), p.last());
        }
        assertTrue(last.get("vda") > 0, "the writer wrote before " + name + ": " + last);
        long skew = last.get("vda") - last.get("vdb");
        assertTrue(skew == 0 || skew == 1, "both disks of " + name + " are one point in time: " + last);
        taken.put(name, last);
        return s;
    }

    private static GuestRecords.PointInTime read(JsonNode disk, String consistency) {
        Path file = Path.of(disk.path("file").textValue());
        String target = disk.path("target").textValue();
        return "quiesced".equals(consistency) ? GuestRecords.clean(file, "qcow2", target)
                : GuestRecords.crashConsistent(file, "qcow2", target);
    }

    /** Every snapshot the daemon lists still shows what it showed when it was taken. */
    private static List<String> verifyEverySnapshot() throws Exception {
        JsonNode list = ok("--json", "snapshot-list", guest.name());
        List<String> names = new ArrayList<>();
        for (JsonNode s : list.path("snapshots")) {
            String name = s.path("name").textValue();
            names.add(name);
            Map<String, Long> expected = taken.get(name);
            for (JsonNode disk : s.path("disks")) {
                GuestRecords.PointInTime p = read(disk, s.path("consistency").textValue());
                if (expected != null) {
                    assertEquals(expected.get(p.disk()), p.last(), name + "/" + p.disk() + " in " + p.image());
                }
            }
        }
        return names;
    }

    @Test
    @Order(1)
    void quiescedAutoAndCrashConsistentSnapshotsOfTwoDisksWhileTheGuestWrites() throws Exception {
        snapshot("s1", "yes", "quiesced");
        snapshot("s2", "no", "crash");
        snapshot("s3", "auto", "quiesced");
        snapshot("s4", "yes", "quiesced");
        snapshot("s5", "no", "crash");
        snapshot("s6", "yes", "quiesced");
        List<Long> vda = taken.values().stream().map(m -> m.get("vda")).toList();
        for (int i = 1; i < vda.size(); i++) {
            assertTrue(vda.get(i) > vda.get(i - 1), "the writer ran on between snapshots: " + vda);
        }
        assertEquals(List.copyOf(taken.keySet()), verifyEverySnapshot());
    }

    @Test
    @Order(2)
    void deletesInEveryPositionWhileTheGuestWritesKeepEverySurvivor() throws Exception {
        String d = guest.name();
        for (List<String> delete : List.of(List.of("s3"), List.of("s1"), List.of("s6"), List.of("s2", "s4"))) {
            long before = guest.reportedRecord();
            List<String> args = new ArrayList<>(List.of("--json", "snapshot-delete", d));
            args.addAll(delete);
            JsonNode done = ok(args.toArray(String[]::new));
            assertEquals(delete, SnapshotCommandsIT.strings(done.path("deleted")), done.toString());
            for (JsonNode removed : done.path("removed")) {
                assertFalse(Files.exists(Path.of(removed.textValue())), removed + " was removed");
            }
            delete.forEach(taken::remove);
            assertEquals(List.copyOf(taken.keySet()), verifyEverySnapshot(), "after deleting " + delete);
            assertTrue(guest.awaitMoreRecords(10, WAIT) > before, "the guest writes on after deleting " + delete);
        }
        snapshot("s7", "auto", "quiesced");
        assertEquals(List.of("s5", "s7"), verifyEverySnapshot());
    }

    @Test
    @Order(3)
    void revertForceRestartsTheGuestAtTheRecordAfterTheSnapshot() throws Exception {
        String d = guest.name();
        Map<String, Long> s5 = taken.get("s5");
        guest.awaitMoreRecords(20, WAIT);
        long mark = guest.consoleMark();
        JsonNode done = ok("--json", "snapshot-revert", d, "s5", "--force");
        String saved = done.path("savedAs").textValue();
        List<Long> resumedAfter = guest.awaitBoot(mark);
        assertEquals(List.of(s5.get("vda"), s5.get("vdb")), resumedAfter,
                "the guest's writer continues after s5's last records");

        // The state left behind is kept, crash-consistent, and holds more than s7.
        JsonNode info = ok("--json", "snapshot-info", d, saved);
        assertEquals("crash", info.path("consistency").textValue(), info.toString());
        for (JsonNode disk : info.path("disks")) {
            GuestRecords.PointInTime p = read(disk, "crash");
            assertTrue(p.last() > taken.get("s7").get(p.disk()), saved + " holds the records after s7: " + p.last());
        }

        // On the new branch the records run on from s5's without a gap.
        guest.awaitMoreRecords(40, WAIT);
        JsonNode after = snapshot("s8", "yes", "quiesced");
        for (JsonNode disk : after.path("disks")) {
            GuestRecords.PointInTime p = read(disk, "quiesced");
            assertTrue(p.last() > s5.get(p.disk()) + 20, p.disk() + " wrote on after the revert: " + p.last());
        }
        assertEquals("s5", ok("--json", "snapshot-info", d, "s8").path("parent").textValue());
        verifyEverySnapshot();
    }

    @Test
    @Order(4)
    void aCloneBootsWhileItsOriginRunsWithFilesOfItsOwn() throws Exception {
        String d = guest.name();
        String clone = d + "-clone";
        Map<String, Long> s8 = taken.get("s8");
        Path originConsole = guest.console();
        Path cloneConsole = originConsole.resolveSibling("console-" + clone + ".log");
        try {
            JsonNode done = ok("--json", "clone", d, "s8", clone);
            assertEquals(clone, done.path("newDomain").textValue());
            org.libvirt.Domain c = guest.domain().connection().domainLookupByName(clone);
            String xml = c.getXMLDesc(0);
            assertTrue(xml.contains(cloneConsole.toString()), "the clone's console is a file of its own: " + xml);
            assertFalse(c.getUUIDString().equals(guest.domain().domain().getUUIDString()));
            assertTrue(guest.domain().isRunning());
            c.create(); // "Device or resource busy" if it shared the origin's console file
            String text = awaitFile(cloneConsole, t -> t.contains("writer starts vdb") && t.contains("agent on "));
            assertTrue(text.contains("writer starts vda after record " + s8.get("vda")), text);
            assertTrue(text.contains("writer starts vdb after record " + s8.get("vdb")), text);
            long before = guest.reportedRecord();
            assertTrue(guest.awaitMoreRecords(20, WAIT) > before, "the origin writes on beside its clone");
        } finally {
            removeDomain(clone);
        }
    }

    @Test
    @Order(5)
    void exportWritesEveryDiskAndAManifestOrOneDiskOrWhatChangedSince() throws Exception {
        String d = guest.name();
        Path out = daemon.exports();
        JsonNode s8 = ok("--json", "snapshot-info", d, "s8");
        JsonNode done = ok("--json", "export", d, "s8", out.toString());
        Shape.assertSameShape(Shape.reply("export-dir-done.json"), done);
        Path manifestFile = out.resolve(d + "-s8.json");
        assertEquals(manifestFile.toString(), done.path("manifest").textValue());
        JsonNode manifest = new com.fasterxml.jackson.databind.ObjectMapper().readTree(manifestFile.toFile());
        assertEquals(d, manifest.path("domain").textValue());
        assertEquals("s8", manifest.path("snapshot").textValue());
        assertEquals("quiesced", manifest.path("consistency").textValue());
        assertEquals(s8.path("created").textValue(), manifest.path("created").textValue());
        assertEquals(2, manifest.path("disks").size(), manifest.toString());
        for (int i = 0; i < 2; i++) {
            JsonNode disk = manifest.path("disks").get(i);
            String target = disk.path("target").textValue();
            Path file = out.resolve(disk.path("file").textValue());
            assertEquals(d + "-s8-" + target + ".qcow2", file.getFileName().toString());
            assertEquals("qcow2", disk.path("format").textValue());
            assertEquals(64L << 20, disk.path("virtualSize").asLong());
            Path holder = Path.of(s8.path("disks").get(i).path("file").textValue());
            assertEquals(ImageContent.digest(holder), disk.path("sha256").textValue(), "sha256 of what the guest saw");
            assertEquals(ImageContent.digest(file), disk.path("sha256").textValue());
            assertEquals(taken.get("s8").get(target), GuestRecords.clean(file, "qcow2", target).last(),
                    target + " exported is s8's point in time, clean");
        }

        // One disk to a file, as before; and what changed since s5, per disk, over s5's holders.
        Path one = out.resolve("only-vdb.qcow2");
        JsonNode single = ok("--json", "export", d, "s8", one.toString(), "--disk", "vdb");
        assertTrue(single.path("manifest").isNull());
        assertEquals(taken.get("s8").get("vdb"), GuestRecords.clean(one, "qcow2", "vdb").last());
        JsonNode diff = ok("--json", "export", d, "s8", out.toString(), "--since", "s5");
        for (JsonNode f : diff.path("files")) {
            Path file = Path.of(f.path("file").textValue());
            assertEquals(d + "-s5-s8-" + f.path("disk").textValue() + ".qcow2", file.getFileName().toString());
            assertFalse(f.path("backing").isNull(), f.toString());
            assertEquals(taken.get("s8").get(f.path("disk").textValue()),
                    GuestRecords.clean(file, "qcow2", f.path("disk").textValue()).last(), "the diff over s5 shows s8");
            assertEquals(ImageContent.digest(file), f.path("sha256").textValue());
        }
        assertTrue(Files.exists(out.resolve(d + "-s5-s8.json")));

        RealDaemon.Run again = daemon.cli("--json", "export", d, "s8", out.toString());
        assertEquals(1, again.status(), again.toString());
        assertEquals("REFUSED", again.json().path("code").textValue(), "existing files are never replaced");
        RealDaemon.Run twoToAFile = daemon.cli("--json", "export", d, "s8", out.resolve("both.qcow2").toString());
        assertEquals(1, twoToAFile.status(), twoToAFile.toString());
        assertTrue(twoToAFile.json().path("message").textValue().contains("--disk"), twoToAFile.toString());
    }

    @Test
    @Order(6)
    void aGuestAgentThatStopsAnsweringFailsYesAndIsRecordedByAuto() throws Exception {
        String d = guest.name();
        // The guest stops its own agent for 40 s (SIGSTOP, then SIGCONT from a process of its own).
        guest.agent("{\"execute\":\"guest-exec\",\"arguments\":{\"path\":\"/bin/sh\",\"arg\":[\"-c\","
                + "\"pid=$(cat /run/qemu-ga.pid); (sleep 1; kill -STOP $pid; sleep 40; kill -CONT $pid) >/dev/null 2>&1 &\"]}}");
        Thread.sleep(3000);

        long started = System.nanoTime();
        RealDaemon.Run yes = daemon.cli("--json", "snapshot-create", d, "q-yes", "--quiesce", "yes");
        long yesSeconds = (System.nanoTime() - started) / 1_000_000_000L;
        assertEquals(1, yes.status(), yes.toString());
        String message = yes.json().path("message").textValue();
        assertTrue(message.startsWith("guest agent of " + d + " did not answer in "), message);
        assertTrue(message.contains("; nothing was changed"), message);
        assertFalse(message.contains("step ") || message.contains("(domain "), "no internal trace: " + message);
        assertTrue(yesSeconds <= 12, "bounded by the agent time-out, took " + yesSeconds + " s");
        JsonNode list = ok("--json", "snapshot-list", d);
        for (JsonNode s : list.path("snapshots")) {
            assertFalse(s.path("name").textValue().equals("q-yes"), "nothing was changed: " + list);
        }

        java.time.Instant before = java.time.Instant.now();
        JsonNode auto = ok("--json", "snapshot-create", d, "q-auto", "--quiesce", "auto").path("snapshot");
        assertEquals("crash", auto.path("consistency").textValue(), auto.toString());
        assertTrue(auto.path("consistencyNote").textValue().startsWith("guest agent of " + d + " did not answer in "),
                auto.toString());
        java.time.Instant created = java.time.Instant.parse(auto.path("created").textValue());
        assertTrue(!created.isBefore(before.plusSeconds(3)), "created after the wait for the agent: " + created
                + ", asked at " + before);
        for (JsonNode disk : auto.path("disks")) {
            read(disk, "crash");
        }
        JsonNode status = ok("--json", "status");
        JsonNode fallback = null;
        for (JsonNode f : status.path("quiesceFallbacks")) {
            if (d.equals(f.path("domain").textValue())) {
                fallback = f;
            }
        }
        assertTrue(fallback != null && "q-auto".equals(fallback.path("snapshot").textValue()), status.toString());

        // Once the agent answers again, quiesce works and the domain leaves the list.
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (true) {
            try {
                guest.agent("{\"execute\":\"guest-ping\"}");
                break;
            } catch (IllegalStateException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(1000);
            }
        }
        // libvirt sent the freeze without a sync of its own (the agent had been in sync), so the
        // agent carries it out when it wakes up: virtchain thaws the guest once the agent answers.
        long thawDeadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String freeze = guest.agent("{\"execute\":\"guest-fsfreeze-status\"}");
        while (!freeze.contains("\"thawed\"") && System.nanoTime() < thawDeadline) {
            Thread.sleep(1000);
            freeze = guest.agent("{\"execute\":\"guest-fsfreeze-status\"}");
        }
        assertTrue(freeze.contains("\"thawed\""), "the late freeze is thawed by virtchain: " + freeze + "\n"
                + daemon.log());
        assertTrue(daemon.log().contains("it may still carry it out when it wakes up"),
                "the daemon says why it watches: " + daemon.log());
        snapshot("q-back", "yes", "quiesced");
        for (JsonNode f : ok("--json", "status").path("quiesceFallbacks")) {
            assertFalse(d.equals(f.path("domain").textValue()), "a quiesced snapshot clears the entry: " + f);
        }
    }

    @Test
    @Order(7)
    void revertShutdownShutsTheGuestDownCleanlyAndKeepsACleanState() throws Exception {
        String d = guest.name();
        Map<String, Long> target = taken.get("s7");
        guest.awaitMoreRecords(20, WAIT);
        long mark = guest.consoleMark();
        JsonNode done = ok("--json", "snapshot-revert", d, "s7", "--shutdown", "--shutdown-timeout", "60");
        assertTrue(guest.consoleText().substring((int) mark).contains("virtchain-guest: unmounted vdb"),
                "the guest shut down cleanly (its agent ran /sbin/shutdown)");
        String saved = done.path("savedAs").textValue();
        JsonNode info = ok("--json", "snapshot-info", d, saved);
        assertEquals("quiesced", info.path("consistency").textValue(), info.toString());
        long skew = -1;
        for (JsonNode disk : info.path("disks")) {
            GuestRecords.PointInTime p = GuestRecords.clean(Path.of(disk.path("file").textValue()), "qcow2",
                    disk.path("target").textValue());
            assertFalse(p.neededReplay(), "unmounted cleanly: nothing to replay");
            skew = skew < 0 ? p.last() : skew - p.last();
        }
        assertTrue(skew == 0 || skew == 1, "the writer stopped between rounds or inside one: " + skew);
        List<Long> resumedAfter = guest.awaitBoot(mark);
        assertEquals(List.of(target.get("vda"), target.get("vdb")), resumedAfter, "the guest continues after s7");
        guest.awaitMoreRecords(20, WAIT);
        snapshot("s9", "yes", "quiesced");
    }

    @Test
    @Order(8)
    void aRangePruneWhileTheGuestWritesKeepsEverySurvivor() throws Exception {
        String d = guest.name();
        // A policy that snapshots every 4 s (quiesced) and keeps them all, until there are four.
        ok("--json", "policy-set", d, "--schedule", "*/4 * * * * ?", "--keep-last", "100", "--quiesce", "yes");
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (daemon.policySnapshots(d).size() < 4) {
            assertTrue(System.nanoTime() < deadline, "the policy made four snapshots: " + daemon.policySnapshots(d));
            Thread.sleep(500);
        }
        // Once a year from now on, keeping the newest: prune deletes the others, one range.
        ok("--json", "policy-set", d, "--schedule", "0 0 3 1 1 ?", "--keep-last", "1");
        SnapshotCommandsIT.awaitNoJobs(daemon, d);
        List<String> made = daemon.policySnapshots(d);
        JsonNode list = ok("--json", "snapshot-list", d);
        for (JsonNode snap : list.path("snapshots")) {
            if (made.contains(snap.path("name").textValue())) {
                Map<String, Long> last = new LinkedHashMap<>();
                for (JsonNode disk : snap.path("disks")) {
                    GuestRecords.PointInTime p = read(disk, snap.path("consistency").textValue());
                    last.put(p.disk(), p.last());
                }
                taken.put(snap.path("name").textValue(), last);
            }
        }
        long before = guest.reportedRecord();
        JsonNode pruned = ok("--json", "prune", d);
        List<String> deleted = SnapshotCommandsIT.strings(pruned.path("deleted"));
        assertEquals(new java.util.TreeSet<>(made.subList(0, made.size() - 1)), new java.util.TreeSet<>(deleted),
                pruned.toString());
        assertTrue(deleted.size() >= 3, "a range: " + deleted);
        for (JsonNode removed : pruned.path("removed")) {
            assertFalse(Files.exists(Path.of(removed.textValue())), removed + " was removed");
        }
        deleted.forEach(taken::remove);
        assertEquals(List.copyOf(taken.keySet()), survivors(verifyEverySnapshot()), "after the prune of " + deleted);
        assertTrue(guest.awaitMoreRecords(10, WAIT) > before, "the guest writes on after the prune");
        ok("--json", "policy-remove", d);
    }

    @Test
    @Order(9)
    void killedDuringALiveCommitTheDaemonRecoversAndEverySurvivorHolds() throws Exception {
        snapshot("k1", "yes", "quiesced");
        guest.awaitMoreRecords(40, WAIT);
        snapshot("k2", "yes", "quiesced");
        crashDuringDeleteAndRecover("commit", "k1");
    }

    @Test
    @Order(10)
    void killedDuringAPullTheDaemonRecoversAndEverySurvivorHolds() throws Exception {
        // Which merge deleting a snapshot takes depends on where ext4 put the guest's writes;
        // flattening a disk is always a pull (block pull with no base), and keeps every snapshot.
        crashAndRecover("pull", null, "flatten", guest.name(), "vda", "--bandwidth", "4");
    }

    /**
     * Deletes {@code name} at 1 MiB/s and kills the daemon with SIGKILL while the {@code kind} job
     * is copying, at whatever it is doing then; the guest writes on meanwhile. A restarted daemon
     * finishes the operation; every surviving point in time still holds what it held; a second
     * restart changes nothing.
     */
    private static void crashDuringDeleteAndRecover(String kind, String name) throws Exception {
        String d = guest.name();
        JsonNode dry = ok("--json", "snapshot-delete", d, name, "--dry-run");
        List<String> kinds = dry.path("plan").path("steps").findValuesAsText("kind");
        assertTrue(kinds.contains(kind), "deleting " + name + " is planned with a " + kind + ": " + dry);
        long before = guest.reportedRecord();
        java.util.concurrent.CompletableFuture<RealDaemon.Run> running = java.util.concurrent.CompletableFuture
                .supplyAsync(() -> {
                    try {
                        return daemon.cli("--json", "snapshot-delete", d, name, "--bandwidth", "1");
                    } catch (Exception e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                });
        awaitJobCopying(d, kind, running);
        assertEquals(137, daemon.kill(), "virtchaind died of SIGKILL");
        RealDaemon.Run died = running.get(60, java.util.concurrent.TimeUnit.SECONDS);
        assertFalse(died.status() == 0, "the CLI saw the daemon die during the " + kind + ": " + died);
        assertTrue(guest.awaitMoreRecords(10, WAIT) > before, "the guest writes on while virtchaind is down");
        recoverAndCheck(d, name, name);
        for (JsonNode removed : dry.path("plan").path("removes")) {
            assertFalse(Files.exists(Path.of(removed.textValue())), removed + " was removed by recovery");
        }
    }

    /** Waits until job-list shows a {@code kind} job on the domain with bytes done. */
    private static void awaitJobCopying(String domain, String kind, java.util.concurrent.Future<?> command)
            throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            assertFalse(command.isDone(), "the command ended before its " + kind + " job was seen copying");
            for (JsonNode job : ok("--json", "job-list", domain).path("jobs")) {
                if (kind.equals(job.path("kind").textValue()) && job.path("done").asLong() > 0) {
                    return;
                }
            }
            Thread.sleep(100);
        }
        fail("no " + kind + " job on " + domain + " copied anything within " + WAIT);
    }

    /**
     * Runs {@code command} through a daemon that halts (a crash point: at once, as by {@code kill
     * -9}) right after it has started the first block job (a {@code kind}); then as above.
     * {@code deleted}: the snapshot it deletes, or null.
     */
    private static void crashAndRecover(String kind, String deleted, String... command) throws Exception {
        String d = guest.name();
        String name = deleted == null ? command[0] : deleted;
        daemon.close();
        daemon = RealDaemon.start(dir, "crash-at = after-call\n");
        long before = guest.reportedRecord();
        List<String> args = new ArrayList<>(List.of("--json"));
        args.addAll(List.of(command));
        RealDaemon.Run died = daemon.cli(args.toArray(String[]::new));
        assertFalse(died.status() == 0, "the daemon died during the " + kind + ": " + died);
        assertEquals(dev.virtchain.daemon.CrashPoints.HALT_STATUS, daemon.awaitExit(Duration.ofSeconds(60)), daemon.log());
        assertTrue(guest.awaitMoreRecords(10, WAIT) > before, "the guest writes on while virtchaind is down");
        recoverAndCheck(d, deleted, name);
    }

    /**
     * Starts the daemon again after it died mid-operation: recovery finishes the operation, every
     * surviving point in time holds what it held, a second restart changes nothing, and the guest
     * writes on.
     */
    private static void recoverAndCheck(String d, String deleted, String name) throws Exception {
        daemon = RealDaemon.start(dir, "");
        JsonNode recovery = ok("--json", "status").path("recovery");
        assertEquals(1, recovery.path("completed").asInt(), recovery + "\n" + daemon.log());
        assertTrue(daemon.log().contains("resuming operation"), daemon.log());
        SnapshotCommandsIT.awaitNoJobs(daemon, d);
        if (deleted != null) {
            taken.remove(deleted);
        }
        assertEquals(List.copyOf(taken.keySet()), survivors(verifyEverySnapshot()), "after recovering " + name);

        Path ledger = daemon.ledgerFile(guest.domain().domain().getUUIDString());
        byte[] settled = Files.readAllBytes(ledger);
        daemon.close();
        daemon = RealDaemon.start(dir, "");
        org.junit.jupiter.api.Assertions.assertArrayEquals(settled, Files.readAllBytes(ledger),
                "a second recovery changed the ledger");
        assertEquals(0, ok("--json", "status").path("recovery").path("completed").asInt());
        long after = guest.reportedRecord();
        assertTrue(guest.awaitMoreRecords(10, WAIT) > after, "the guest writes on after recovery");
        snapshot("after-" + name, "yes", "quiesced");
        assertEquals(List.copyOf(taken.keySet()), survivors(verifyEverySnapshot()));
    }

    /** The snapshots among {@code names} whose records were read when they were taken (not kept pre-revert states). */
    private static List<String> survivors(List<String> names) {
        return names.stream().filter(taken::containsKey).toList();
    }

    /** Destroys and undefines a domain the test made; absent is fine. */
    private static void removeDomain(String name) throws Exception {
        org.libvirt.Domain c;
        try {
            c = guest.domain().connection().domainLookupByName(name);
        } catch (org.libvirt.LibvirtException e) {
            return;
        }
        if (c.isActive() == 1) {
            c.destroy();
        }
        c.undefine();
    }

    private static String awaitFile(Path file, java.util.function.Predicate<String> done) throws Exception {
        long deadline = System.nanoTime() + RealGuest.BOOT.toNanos();
        String text = "";
        while (System.nanoTime() < deadline) {
            text = Files.exists(file) ? Files.readString(file, java.nio.charset.StandardCharsets.ISO_8859_1) : "";
            if (done.test(text)) {
                return text;
            }
            Thread.sleep(250);
        }
        throw new AssertionError(file + " did not show the clone's writer and agent within " + RealGuest.BOOT + ":\n"
                + text);
    }
}
