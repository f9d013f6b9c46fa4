package dev.virtchain.model.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtchain.daemon.exec.SimExecution;
import dev.virtchain.model.Disk;
import dev.virtchain.model.DomainId;
import dev.virtchain.model.Image;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.Refused;
import dev.virtchain.model.Snapshot;
import dev.virtchain.model.Tombstone;
import dev.virtchain.model.sim.ImageFormat;
import dev.virtchain.model.sim.SimulatedHost;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Random histories of a 1-3 disk domain, running and shut off: guest writes, snapshots, deletes
 * of any set, reverts, clones, flattens, exports, starts and stops. Every intent runs with the
 * daemon's executor on the simulator, which must plan it as the planner does from the test's
 * ledger and leave the plan's ledger; after every step each surviving snapshot's holder and each disk's live image show
 * what a reference model recorded, the ledger passes its check, and each step copies exactly its
 * estimate. Deletes on small trees are compared with a brute-force search over every valid
 * sequence of commits and pulls: the plan must leave no more images and cost no more bytes, on
 * linear and branching trees alike.
 *
 * <p>A failure names its seed; replay it with {@code -Dvirtchain.seed=SEED}. More histories:
 * {@code -Dvirtchain.histories=N}; other seeds: {@code -Dvirtchain.firstSeed=SEED}.
 */
class PlannerPropertiesTest {
    static final int CLUSTERS = 8;
    static final int CLUSTER = SimulatedHost.DEFAULT_CLUSTER_SIZE;
    /** Disks the brute force tries: at most this many removable images and images, and sequences. */
    static final int BRUTE_REMOVABLE = 4;
    static final int BRUTE_IMAGES = 9;
    static final int BRUTE_SEQUENCES = 20_000;

    /**
     * Why every brute-forced disk must get the cheapest plan: its components have at most
     * {@link #BRUTE_IMAGES} images, and a brute force that finished tried at most
     * {@link #BRUTE_SEQUENCES} sequences, so no component has more states than that. The planner
     * searches every component with several exits within both bounds to the end; a component
     * with one exit is linear once the members nothing depends on are gone, where its landing
     * rule is minimal (see DeletePlanner).
     */
    @Test
    void theBruteForceStaysWithinThePlannersSearch() {
        assertTrue(BRUTE_IMAGES <= MergeSearch.MAX_IMAGES, "images");
        assertTrue(BRUTE_SEQUENCES <= MergeSearch.MAX_STATES, "states");
    }

    /** Histories run side by side, one per processor; a failure names the first failing seed in order. */
    @Test
    void randomHistoriesKeepEveryPointInTime() throws InterruptedException {
        Long replay = Long.getLong("virtchain.seed");
        int histories = Integer.getInteger("virtchain.histories", 600);
        long first = Long.getLong("virtchain.firstSeed", 0x5EED0000L);
        List<Callable<Stats>> runs = new ArrayList<>();
        for (int i = 0; i < (replay != null ? 1 : histories); i++) {
            long seed = replay != null ? replay : first + i;
            runs.add(() -> history(seed));
        }
        ExecutorService pool = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors());
        Stats stats = new Stats();
        try {
            for (Future<Stats> f : pool.invokeAll(runs)) {
                try {
                    stats.add(f.get());
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof AssertionError a ? a : new AssertionError(e.getCause());
                }
            }
        } finally {
            pool.shutdownNow();
        }
        System.out.println("planner properties: " + stats);
    }

    private static Stats history(long seed) {
        Stats stats = new Stats();
        History h = new History(seed, stats);
        try {
            h.run(40);
        } catch (Throwable t) {
            List<String> tail = h.log.subList(Math.max(0, h.log.size() - 12), h.log.size());
            throw new AssertionError("history with seed " + seed + " failed (replay with -Dvirtchain.seed=" + seed
                    + "): " + t.getMessage() + "\nlast operations:\n  " + String.join("\n  ", tail)
                    + "\nledger: " + h.ledger + "\nrunning: " + h.running, t);
        }
        return stats;
    }

    static final class Stats {
        int plans;
        int steps;
        int deletes;
        int bruteForced;
        int tombstones;
        int refusals;
        long bytes;
        /** Brute-forced disks where a removable image had several dependants. */
        int branching;

        void add(Stats o) {
            plans += o.plans;
            steps += o.steps;
            deletes += o.deletes;
            bruteForced += o.bruteForced;
            tombstones += o.tombstones;
            refusals += o.refusals;
            bytes += o.bytes;
            branching += o.branching;
        }

        @Override
        public String toString() {
            return plans + " plans, " + steps + " steps, " + deletes + " deletes (" + bruteForced
                    + " disks checked by brute force, " + branching + " of them branching), " + tombstones
                    + " tombstones left, " + refusals + " refusals, " + bytes + " bytes copied";
        }
    }

    /** A clock that moves a minute each time a plan is made. */
    static final class SteppingClock extends Clock {
        Instant now = Instant.parse("2025-03-01T00:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    static final class History {
        final long seed;
        final Random rnd;
        final Stats stats;
        final SimulatedHost sim = new SimulatedHost();
        final SteppingClock clock = new SteppingClock();
        final Planner planner;
        Ledger ledger;
        boolean running;
        long token = 100;
        int names;
        /** What the guest sees per disk, and what each snapshot showed when taken. */
        final Map<String, long[]> live = new TreeMap<>();
        final Map<String, Map<String, long[]>> taken = new HashMap<>();
        /** Files outside the ledger: clone overlays. */
        final Map<String, String> cloneOverlays = new TreeMap<>();
        final List<String> log = new ArrayList<>();

        History(long seed, Stats stats) {
            this.seed = seed;
            this.rnd = new Random(seed);
            this.stats = stats;
            this.planner = new Planner(clock, HostCapabilities.DEFAULT);
            int disks = 1 + rnd.nextInt(3);
            List<Disk> list = new ArrayList<>();
            for (int d = 0; d < disks; d++) {
                String target = "vd" + (char) ('a' + d);
                String path = "/d" + rnd.nextInt(2) + "/" + target + ".qcow2";
                boolean raw = rnd.nextInt(5) == 0;
                sim.createBase(path, raw ? ImageFormat.RAW : ImageFormat.QCOW2, (long) CLUSTERS * CLUSTER);
                list.add(new Disk(target, List.of(Image.base(path,
                        raw ? dev.virtchain.model.ImageFormat.RAW : dev.virtchain.model.ImageFormat.QCOW2)), path));
                live.put(target, new long[CLUSTERS]);
            }
            ledger = Ledger.of(new DomainId("dom", String.format("00000000-0000-0000-0000-%012x", seed & 0xFFFF_FFFF_FFFFL)),
                    list);
            running = rnd.nextBoolean();
            if (running) {
                for (Disk d : ledger.disks()) {
                    sim.activate(d.active());
                }
            }
            for (int i = 0; i < 4; i++) {
                write();
            }
        }

        void run(int ops) {
            for (int i = 0; i < ops; i++) {
                int r = rnd.nextInt(100);
                if (r < 25) {
                    write();
                } else if (r < 28) {
                    blockCopy();
                } else if (r < 48) {
                    create();
                } else if (r < 70) {
                    delete();
                } else if (r < 77) {
                    revert();
                } else if (r < 80) {
                    cloneSnapshot();
                } else if (r < 82) {
                    dropClone();
                } else if (r < 85) {
                    apply(new Intent.Flatten(randomDisk()));
                } else if (r < 92) {
                    startOrStop();
                } else if (r < 96) {
                    export();
                } else {
                    holdOrRelease();
                }
            }
            // Finally delete everything deletable: long merges, tombstones finished.
            Set<String> all = new TreeSet<>();
            for (Snapshot s : ledger.snapshots()) {
                if (!s.isProtected() && !s.isHeld()) {
                    all.add(s.name());
                }
            }
            apply(new Intent.Delete(all));
        }

        String randomDisk() {
            return ledger.diskTargets().get(rnd.nextInt(ledger.disks().size()));
        }

        void write() {
            String d = randomDisk();
            String active = ledger.requireDisk(d).active();
            int n = 1 + rnd.nextInt(3);
            for (int i = 0; i < n; i++) {
                int c = rnd.nextInt(CLUSTERS);
                long t = ++token;
                sim.write(active, (long) c * CLUSTER, CLUSTER, t);
                live.get(d)[c] = t;
            }
            log.add("write " + d);
        }

        void create() {
            Set<String> disks = new TreeSet<>();
            if (rnd.nextInt(4) == 0) {
                for (String d : ledger.diskTargets()) {
                    if (rnd.nextBoolean()) {
                        disks.add(d);
                    }
                }
            }
            apply(new Intent.Create("s" + (++names), disks, QuiesceMode.NO, null, dev.virtchain.model.Origin.manual()));
        }

        void delete() {
            List<Snapshot> snaps = new ArrayList<>(ledger.snapshots());
            Set<String> pick = new TreeSet<>();
            int mode = rnd.nextInt(10);
            if (mode == 0 && !snaps.isEmpty()) {
                // Prune-like: everything but the newest few.
                int keep = rnd.nextInt(3);
                for (int i = 0; i < snaps.size() - keep; i++) {
                    pick.add(snaps.get(i).name());
                }
            } else if (mode > 1) {
                int n = 1 + rnd.nextInt(3);
                for (int i = 0; i < n && !snaps.isEmpty(); i++) {
                    pick.add(snaps.get(rnd.nextInt(snaps.size())).name());
                }
            } // mode 1: empty delete, finishes tombstones
            // The first blocked snapshot in name order is the one refused.
            Snapshot blocked = null;
            for (String n : pick) {
                Snapshot s = ledger.requireSnapshot(n);
                if ((s.isHeld() || s.isProtected()) && blocked == null) {
                    blocked = s;
                }
            }
            Intent.Delete intent = new Intent.Delete(pick);
            if (blocked != null) {
                Refused e = assertThrows(Refused.class, () -> planner.plan(intent, situation()));
                assertEquals(blocked.isHeld() ? Refused.Reason.HELD : Refused.Reason.PROTECTED, e.reason());
                assertEquals(blocked.name(), e.snapshot().orElseThrow());
                stats.refusals++;
                return;
            }
            apply(intent);
        }

        void revert() {
            if (ledger.snapshots().isEmpty()) {
                return;
            }
            String target = ledger.snapshots().get(rnd.nextInt(ledger.snapshots().size())).name();
            if (running && rnd.nextInt(3) == 0) {
                Refused e = assertThrows(Refused.class, () -> planner.plan(new Intent.Revert(target, false), situation()));
                assertEquals(Refused.Reason.RUNNING, e.reason());
                stats.refusals++;
                return;
            }
            apply(new Intent.Revert(target, true));
        }

        void cloneSnapshot() {
            if (ledger.snapshots().isEmpty()) {
                return;
            }
            Snapshot s = ledger.snapshots().get(rnd.nextInt(ledger.snapshots().size()));
            String clone = "c" + (++names);
            Plan p = apply(new Intent.Clone(s.name(), clone, Map.of()));
            for (Step st : p.steps()) {
                if (st instanceof Step.CreateOverlay c) {
                    // The clone's guest writes go to its own overlay only.
                    sim.write(c.path(), 0, CLUSTER, ++token);
                }
            }
        }

        void dropClone() {
            if (cloneOverlays.isEmpty()) {
                return;
            }
            String clone = new ArrayList<>(new TreeSet<>(cloneOverlays.values())).get(0);
            for (Map.Entry<String, String> e : new ArrayList<>(cloneOverlays.entrySet())) {
                if (e.getValue().equals(clone)) {
                    sim.unlink(e.getKey());
                    cloneOverlays.remove(e.getKey());
                }
            }
            for (Snapshot s : ledger.snapshots()) {
                if (s.protectedBy().contains(clone)) {
                    ledger = ledger.withoutProtection(s.name(), clone);
                }
            }
            log.add("drop clone " + clone);
        }

        void startOrStop() {
            for (Disk d : ledger.disks()) {
                if (running) {
                    sim.deactivate(d.active());
                } else {
                    sim.activate(d.active());
                }
            }
            running = !running;
            log.add(running ? "start" : "stop");
        }

        void export() {
            if (ledger.snapshots().isEmpty()) {
                return;
            }
            Snapshot s = ledger.snapshots().get(rnd.nextInt(ledger.snapshots().size()));
            String disk = s.holders().keySet().iterator().next();
            String dest = "/out/e" + (++names);
            Snapshot earlier = null;
            for (Snapshot o : ledger.snapshots()) {
                String h = o.holder(disk);
                if (h != null && !o.name().equals(s.name())
                        && ledger.requireDisk(disk).chainFrom(s.holder(disk)).contains(h)) {
                    earlier = o;
                }
            }
            if (earlier != null && rnd.nextBoolean()) {
                apply(new Intent.ExportDiff(earlier.name(), s.name(), Map.of(disk, dest)));
            } else {
                apply(new Intent.Export(s.name(), Map.of(disk, dest)));
            }
            assertEquals(Arrays.toString(taken.get(s.name()).get(disk)), Arrays.toString(tokens(dest)), "export of " + s.name());
            sim.unlink(dest);
        }

        /** A copy the guest keeps writing to (pivot) or a copy of it now; either way DEST shows what the guest sees. */
        void blockCopy() {
            if (!running) {
                return;
            }
            String disk = randomDisk();
            boolean shallow = rnd.nextBoolean();
            boolean free = ledger.snapshots().stream().noneMatch(x -> x.covers(disk))
                    && ledger.tombstones().stream().noneMatch(t -> t.disk().equals(disk));
            boolean overlay = shallow && ledger.requireDisk(disk).activeImage().hasBacking();
            boolean pivot = rnd.nextBoolean() && (overlay || free);
            // A copy kept apart is an export of sorts (the checks skip /out/); a pivoted one joins the ledger.
            String dest = (pivot ? "/copies/c" : "/out/c") + (++names);
            Plan p = apply(new Intent.BlockCopy(disk, dest, shallow, dev.virtchain.model.ImageFormat.QCOW2, pivot));
            assertEquals(Arrays.toString(live.get(disk)), Arrays.toString(tokens(dest)), "copy of " + disk);
            if (pivot) {
                assertEquals(dest, ledger.requireDisk(disk).active());
            } else {
                sim.unlink(dest);
            }
        }

        void holdOrRelease() {
            if (ledger.snapshots().isEmpty()) {
                return;
            }
            Snapshot s = ledger.snapshots().get(rnd.nextInt(ledger.snapshots().size()));
            ledger = s.isHeld() ? ledger.withoutHold(s.name(), "keep") : ledger.withHold(s.name(), "keep");
        }

        Situation situation() {
            return new Situation(ledger, ObservedChains.of(ledger), Fixture.simFacts(sim),
                    running ? DomainState.RUNNING : DomainState.SHUT_OFF);
        }

        long[] tokens(String image) {
            long[] t = new long[CLUSTERS];
            var view = sim.view(image);
            for (int c = 0; c < CLUSTERS; c++) {
                t[c] = view.tokenAt((long) c * CLUSTER);
            }
            return t;
        }

        Plan apply(Intent intent) {
            clock.now = clock.now.plusSeconds(60);
            log.add(intent.toString());
            Plan plan = planner.plan(intent, situation());
            stats.plans++;
            Ledger before = ledger;
            for (Snapshot s : plan.after().snapshots()) {
                if (before.snapshot(s.name()).isEmpty()) {
                    Map<String, long[]> m = new TreeMap<>();
                    for (String d : s.holders().keySet()) {
                        m.put(d, live.get(d).clone());
                    }
                    taken.put(s.name(), m);
                }
            }
            if (intent instanceof Intent.Delete) {
                stats.deletes++;
                compareWithBruteForce(plan);
            }
            Snapshot revertTo = intent instanceof Intent.Revert r ? before.requireSnapshot(r.name()) : null;
            SimExecution.Executed done = SimExecution.run(sim, ledger, running, intent, clock, HostCapabilities.DEFAULT,
                    (step, persisted, disks) -> {
                        stats.steps++;
                        if (revertTo != null && step instanceof Step.SetDiskSource s && revertTo.covers(s.disk())) {
                            live.put(s.disk(), taken.get(revertTo.name()).get(s.disk()).clone());
                        }
                        checkPointsInTime(persisted, disks);
                    });
            assertEquals(plan.steps(), done.plan().steps(), "the executor's plan, made from what the host shows");
            if (intent instanceof Intent.Clone c) {
                for (Step st : plan.steps()) {
                    if (st instanceof Step.CreateOverlay o) {
                        cloneOverlays.put(o.path(), c.newDomain());
                    }
                }
            }
            stats.bytes += done.copied();
            if (intent instanceof Intent.Export) {
                // qemu-img convert skips zeroes (of a raw base), which allocation cannot see.
                assertTrue(done.copied() <= plan.estimatedBytes(), "export estimate is an upper bound");
            } else {
                assertEquals(plan.estimatedBytes(), done.copied(), "plan estimate");
            }
            assertEquals(plan.after(), done.ledger(), "the ledger the operation left");
            ledger = done.ledger();
            running = done.running();
            released.addAll(plan.released()); // out of the ledger by design, still on the host
            checkTruth();
            stats.tombstones += plan.after().tombstones().size() > before.tombstones().size() ? 1 : 0;
            return plan;
        }

        /**
         * Every snapshot the ledger as persisted names shows what it showed when taken; so does
         * the guest, on the image each disk runs on ({@code disks}).
         */
        void checkPointsInTime(Ledger persisted, Map<String, String> disks) {
            for (Snapshot s : persisted.snapshots()) {
                for (Map.Entry<String, String> h : s.holders().entrySet()) {
                    long[] expected = taken.get(s.name()).get(h.getKey());
                    if (!Arrays.equals(expected, tokens(h.getValue()))) {
                        throw new AssertionError("snapshot " + s.name() + " on " + h.getKey() + " (" + h.getValue()
                                + ") shows " + Arrays.toString(tokens(h.getValue())) + ", was "
                                + Arrays.toString(expected) + "\n" + String.join("\n", log));
                    }
                }
            }
            for (Map.Entry<String, long[]> e : live.entrySet()) {
                String image = disks.get(e.getKey());
                if (!Arrays.equals(e.getValue(), tokens(image))) {
                    throw new AssertionError("guest of " + e.getKey() + " (" + image + ") sees "
                            + Arrays.toString(tokens(image)) + ", wrote " + Arrays.toString(e.getValue())
                            + "\n" + String.join("\n", log));
                }
            }
        }

        /** The ledger is the truth of the host: chains, files, active images. */
        void checkTruth() {
            ledger.requireValid();
            Set<String> files = new TreeSet<>(cloneOverlays.keySet());
            Set<String> actives = new TreeSet<>();
            for (Disk d : ledger.disks()) {
                assertEquals(d.activeChain(), sim.chain(d.active()), "chain of " + d.target());
                for (Image i : d.images()) {
                    assertEquals(i.backing(), sim.info(i.path()).backing(), "backing of " + i.path());
                    files.add(i.path());
                }
                actives.add(d.active());
            }
            Set<String> onHost = new TreeSet<>(sim.images());
            onHost.removeAll(released);
            onHost.removeIf(f -> f.startsWith("/out/")); // exports, checked and removed by the test
            assertEquals(files, onHost, "files on the host");
            assertEquals(running ? actives : Set.of(), new TreeSet<>(sim.activeImages()), "images the guest writes");
        }

        final Set<String> released = new HashSet<>();

        /** Whether a removable image of the disk has several dependants. */
        static boolean branching(Ledger start, String disk) {
            Disk d = start.requireDisk(disk);
            int shared = 0;
            for (Tombstone t : start.tombstones()) {
                if (t.disk().equals(disk) && d.children(t.image()).size() > 1) {
                    shared++;
                }
            }
            return shared > 0;
        }

        void compareWithBruteForce(Plan plan) {
            // The ledger once the deleted snapshots are out of view: the plan's first step.
            Ledger start = ledger;
            if (!plan.steps().isEmpty() && plan.steps().get(0) instanceof Step.UpdateLedger u) {
                start = u.ledger();
            }
            Map<String, Long> planBytes = BruteForce.bytesByDisk(plan);
            for (String d : start.diskTargets()) {
                Disk disk = start.requireDisk(d);
                long removable = start.tombstones().stream().filter(t -> t.disk().equals(d)).count();
                if (removable == 0 || removable > BRUTE_REMOVABLE || disk.images().size() > BRUTE_IMAGES) {
                    continue;
                }
                Map<Integer, Long> best = BruteForce.search(sim, start, d, running, BRUTE_SEQUENCES);
                if (best == null) {
                    continue;
                }
                stats.bruteForced++;
                stats.branching += branching(start, d) ? 1 : 0;
                int left = plan.after().requireDisk(d).images().size();
                int fewest = best.keySet().iterator().next();
                long cost = planBytes.getOrDefault(d, 0L);
                if (fewest < left) {
                    throw new AssertionError("disk " + d + ": the plan leaves " + left + " images, " + fewest
                            + " are possible" + explain(plan, start, d, best, fewest));
                }
                if (!best.containsKey(left)) {
                    throw new AssertionError("disk " + d + ": the plan leaves " + left
                            + " images, no valid sequence does" + explain(plan, start, d, best, fewest));
                }
                long min = best.get(left);
                if (cost != min) {
                    throw new AssertionError("disk " + d + ": the plan copies " + cost + " bytes, the cheapest valid"
                            + " plan " + min + explain(plan, start, d, best, left));
                }
            }
        }

        /** The disk before, the plan's steps on it and the brute force's cheapest sequence. */
        String explain(Plan plan, Ledger start, String disk, Map<Integer, Long> best, int left) {
            List<String> steps = new ArrayList<>();
            for (Step s : plan.steps()) {
                if (!(s instanceof Step.UpdateLedger) && disk.equals(s.accept(BruteForce.DISK))) {
                    steps.add(s.toString());
                }
            }
            return "\n  deleting " + plan.intent() + ", running " + running + "\n  disk " + start.requireDisk(disk)
                    + "\n  tombstones " + start.tombstones().stream().filter(t -> t.disk().equals(disk)).toList()
                    + "\n  plan:\n    " + String.join("\n    ", steps)
                    + "\n  cheapest (" + best.get(left) + " bytes):\n    "
                    + String.join("\n    ", BruteForce.lastHow().getOrDefault(left, List.of()));
        }
    }

}
