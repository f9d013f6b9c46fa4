package dev.virtchain.daemon.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.virtchain.daemon.ProgressSink;
import dev.virtchain.daemon.ledger.LedgerBook;
import dev.virtchain.daemon.ledger.LedgerStore;
import dev.virtchain.daemon.ledger.StoredLedger;
import dev.virtchain.model.Disk;
import dev.virtchain.model.DomainId;
import dev.virtchain.model.Image;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.Snapshot;
import dev.virtchain.model.plan.HostCapabilities;
import dev.virtchain.model.plan.Intent;
import dev.virtchain.model.plan.Plan;
import dev.virtchain.model.plan.Planner;
import dev.virtchain.model.plan.Step;
import dev.virtchain.model.sim.ImageFormat;
import dev.virtchain.model.sim.SimulatedHost;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The daemon's own executor, on the simulated host, killed at every {@link CrashPoint} of every
 * kind of operation in every position, then recovered twice, as virtchaind does at start. After
 * each case: the recorded operation is gone (completed or rolled back), the ledger's invariants
 * hold and it names the chains the domain really runs on, every point in time that survives
 * shows what it showed when it was taken, the guest sees what it saw (or, after a revert, the
 * snapshot), no image is left that nothing names and none the ledger names is gone, the second
 * recovery changes nothing, and the domain takes a new snapshot.
 */
class InProcessCrashMatrixTest {
    private static final int CLUSTER = SimulatedHost.DEFAULT_CLUSTER_SIZE;
    private static final int CLUSTERS = 16;
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-06-01T00:00:00Z"), ZoneOffset.UTC);
    private static final String VM = "vm";
    /**
     * One history, stopping at the first failing case: for mutation testing, where the matrix
     * runs once per mutant ({@code mvn -Pmutation}).
     */
    private static final boolean QUICK = Boolean.getBoolean("virtchain.crashMatrix.quick");

    private Path root;
    private int worlds;
    private final ch.qos.logback.classic.Logger executorLog =
            (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("dev.virtchain.daemon.exec");
    private ch.qos.logback.classic.Level executorLevel;

    @BeforeEach
    void setUp() throws IOException {
        // thousands of operations, each failing or resuming on purpose: their log lines are not news
        executorLevel = executorLog.getLevel();
        executorLog.setLevel(ch.qos.logback.classic.Level.OFF);
        Path shm = Path.of("/dev/shm");
        Path parent = Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
        sweepDeadRuns(parent);
        root = Files.createTempDirectory(parent, PREFIX + ProcessHandle.current().pid() + "-");
    }

    private static final String PREFIX = "virtchain-crash-matrix-";

    /**
     * Removes what runs that were killed left (a mutation-testing minion that timed out never
     * reaches tearDown): directories named for a process that no longer exists.
     */
    private static void sweepDeadRuns(Path parent) throws IOException {
        try (var dirs = Files.list(parent)) {
            for (Path d : dirs.filter(p -> p.getFileName().toString().startsWith(PREFIX)).toList()) {
                String rest = d.getFileName().toString().substring(PREFIX.length());
                int dash = rest.indexOf('-');
                long pid;
                try {
                    pid = Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
                } catch (NumberFormatException e) {
                    continue;
                }
                if (ProcessHandle.of(pid).isEmpty()) {
                    deleteTree(d);
                }
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @AfterEach
    void tearDown() throws IOException {
        executorLog.setLevel(executorLevel);
        deleteTree(root);
    }

    /** A starting point: disks, running or not, linear or with a branch from a revert. */
    record History(int disks, boolean running, boolean branched) {
        @Override
        public String toString() {
            return disks + " disk" + (disks > 1 ? "s" : "") + ", " + (running ? "running" : "shut off")
                    + (branched ? ", branched" : "");
        }
    }

    /** An operation to crash, named for the report. */
    record Op(String name, Intent intent) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** The host, the state directory and the executor a daemon process would have, plus what was seen before the operation. */
    final class World {
        final SimHost host;
        final Path state;
        LedgerBook book;
        OperationRunner runner;
        final Random random = new Random(42);
        long token;
        /** Per snapshot, per disk: the digest of its point in time. */
        final Map<String, Map<String, String>> points = new TreeMap<>();
        /** Per disk: the digest of what the guest sees. */
        final Map<String, String> live = new TreeMap<>();

        World(History h) {
            host = new SimHost(new SimulatedHost());
            state = newStateDirectory();
            Map<String, String> disks = new LinkedHashMap<>();
            List<Disk> ledgerDisks = new ArrayList<>();
            for (int i = 0; i < h.disks(); i++) {
                String target = "vd" + (char) ('a' + i);
                String path = "/images/" + VM + "/" + target + ".qcow2";
                host.sim.createBase(path, ImageFormat.QCOW2, (long) CLUSTERS * CLUSTER);
                disks.put(target, path);
                ledgerDisks.add(new Disk(target, List.of(Image.base(path, dev.virtchain.model.ImageFormat.QCOW2)), path));
            }
            host.define(VM, true, disks);
            restart(CrashSite.NONE);
            book.save(StoredLedger.idle(Ledger.of(new DomainId(VM, host.domain(VM).uuid), ledgerDisks)));
            // More written before the newest snapshot than after it: deleting it is cheapest by an
            // active commit, and deleting older ones by commits and pulls.
            for (int i = 1; i <= 4; i++) {
                write(i == 4 ? 6 : 3);
                run(Intent.Create.of("s" + i));
            }
            write(1);
            if (h.branched()) {
                run(new Intent.Revert("s2", true));
                write(4);
                run(Intent.Create.of("s5"));
                write(1);
            }
            if (!h.running()) {
                SimHost.Domain d = host.domain(VM);
                d.disks.values().forEach(host.sim::deactivate);
                d.running = false;
            }
            remember();
        }

        /** A copy of {@code template} that goes its own way: its host forked, its state directory copied. */
        World(World template) {
            host = template.host.fork();
            state = newStateDirectory();
            try (var files = Files.walk(template.state)) {
                for (Path f : files.toList()) {
                    Path to = state.resolve(template.state.relativize(f).toString());
                    if (Files.isDirectory(f)) {
                        Files.createDirectories(to);
                    } else {
                        Files.copy(f, to);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            token = template.token;
            points.putAll(template.points);
            live.putAll(template.live);
            restart(CrashSite.NONE);
        }

        private Path newStateDirectory() {
            try {
                return Files.createDirectory(root.resolve("w" + (++worlds)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** A new executor on the same host and state directory, as after a restart. */
        void restart(CrashSite crash) {
            LedgerStore store = new LedgerStore(state, CLOCK);
            LedgerStore.Loaded loaded = store.loadAll();
            if (!loaded.unreadable().isEmpty()) {
                throw new AssertionError("unreadable ledgers after a crash: " + loaded.unreadable());
            }
            book = new LedgerBook(store, loaded.ledgers());
            runner = new OperationRunner(host, book, new Planner(CLOCK, HostCapabilities.DEFAULT), new DiskLocks(), 2,
                    crash, CLOCK, 0, 0);
        }

        Ledger ledger() {
            return book.byName(VM).orElseThrow().ledger();
        }

        void write(int clusters) {
            for (var e : host.domain(VM).disks.entrySet()) {
                for (int n = 0; n < clusters; n++) {
                    host.sim.write(e.getValue(), (long) random.nextInt(CLUSTERS) * CLUSTER, CLUSTER, ++token);
                }
            }
        }

        OperationRunner.Result run(Intent intent) {
            return runner.run(VM, intent, OperationRunner.Options.DEFAULT, ProgressSink.DISCARD);
        }

        void remember() {
            points.clear();
            live.clear();
            for (Snapshot s : ledger().snapshots()) {
                Map<String, String> d = new TreeMap<>();
                s.holders().forEach((disk, holder) -> d.put(disk, host.sim.viewDigest(holder)));
                points.put(s.name(), d);
            }
            host.domain(VM).disks.forEach((disk, image) -> live.put(disk, host.sim.viewDigest(image)));
        }

        /** What a restarted daemon does first: carry every interrupted operation to its end. */
        int recover() {
            int resumed = 0;
            for (StoredLedger stored : book.all()) {
                if (stored.operation().isPresent()) {
                    runner.resume(stored);
                    resumed++;
                }
            }
            return resumed;
        }
    }

    /** Thrown at the chosen point: nothing after it runs, as with kill -9 (an Error, which the executor does not settle). */
    static final class Crash extends Error {
        final CrashPoint point;

        Crash(CrashPoint point) {
            super("crashed at " + point, null, false, false);
            this.point = point;
        }
    }

    static List<History> histories() {
        if (QUICK) {
            return List.of(new History(1, true, true));
        }
        List<History> out = new ArrayList<>();
        for (int disks = 1; disks <= 2; disks++) {
            for (boolean running : new boolean[] {true, false}) {
                for (boolean branched : new boolean[] {false, true}) {
                    out.add(new History(disks, running, branched));
                }
            }
        }
        return out;
    }

    static List<Op> operations(History h) {
        List<Op> ops = new ArrayList<>();
        ops.add(new Op("create", Intent.Create.of("new")));
        if (h.disks() > 1) {
            ops.add(new Op("create on vda only", new Intent.Create("new", Set.of("vda"),
                    dev.virtchain.model.plan.QuiesceMode.NO, null, dev.virtchain.model.Origin.manual())));
        }
        ops.add(new Op("delete newest", Intent.Delete.of(h.branched() ? "s5" : "s4")));
        ops.add(new Op("delete interior", Intent.Delete.of("s3")));
        ops.add(new Op("delete oldest", Intent.Delete.of("s1")));
        ops.add(new Op("delete range", Intent.Delete.of("s2", "s3")));
        ops.add(new Op("prune all but newest", Intent.Delete.of("s1", "s2", "s3")));
        if (h.branched()) {
            ops.add(new Op("delete branch point", Intent.Delete.of("s2")));
            ops.add(new Op("delete a branch", Intent.Delete.of("s3", "s4")));
        }
        ops.add(new Op("revert", new Intent.Revert(h.branched() ? "s4" : "s2", h.running())));
        ops.add(new Op("clone", new Intent.Clone("s2", "vm-clone", Map.of())));
        ops.add(new Op("flatten", new Intent.Flatten("vda")));
        ops.add(new Op("export", new Intent.Export("s2", Map.of("vda", "/exports/vm-s2-vda.qcow2"))));
        ops.add(new Op("export-diff", new Intent.ExportDiff("s1", "s3", Map.of("vda", "/exports/vm-s1-s3-vda.qcow2"))));
        if (h.running()) {
            ops.add(new Op("blockcopy shallow, pivot", new Intent.BlockCopy("vda", "/copies/vm-vda.qcow2", true,
                    dev.virtchain.model.ImageFormat.QCOW2, true)));
            ops.add(new Op("blockcopy full, no pivot", new Intent.BlockCopy("vda", "/copies/vm-vda.qcow2", false,
                    dev.virtchain.model.ImageFormat.QCOW2, false)));
        }
        return ops;
    }

    @Test
    void everyOperationRecoversFromACrashAtEveryPoint() {
        long started = System.nanoTime();
        int cases = 0;
        Map<String, Integer> byKind = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        for (History h : histories()) {
            World template = new World(h);
            for (Op op : operations(h)) {
                World probe = new World(template);
                Plan plan = probe.runner.run(VM, op.intent(), new OperationRunner.Options(true, 0, false),
                        ProgressSink.DISCARD).plan();
                List<CrashPoint> points = CrashPoint.program(plan.steps());
                for (CrashPoint p : points) {
                    for (Variant v : Variant.values()) {
                        if (v == Variant.FAIL && p.where() != CrashPoint.Where.AFTER_CALL) {
                            continue;
                        }
                        cases++;
                        byKind.merge(p.where().label() + v.suffix, 1, Integer::sum);
                        try {
                            crashAndRecover(template, op, p, plan.steps().size(), v);
                        } catch (AssertionError | RuntimeException e) {
                            failures.add(h + " / " + op + " / " + p + v.suffix + " ("
                                    + plan.steps().get(p.step()).getClass().getSimpleName() + "): " + e);
                            if (QUICK) {
                                fail(failures.get(0), e);
                            }
                        }
                    }
                }
            }
        }
        long ms = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("in-process crash matrix: %d cases in %d ms (%s)%n", cases, ms, byKind);
        if (!failures.isEmpty()) {
            fail(failures.size() + " of " + cases + " cases failed; the first:\n  "
                    + String.join("\n  ", failures.subList(0, Math.min(25, failures.size()))));
        }
        assertTrue(QUICK || cases >= 1000, "only " + cases + " cases");
    }

    /** How a case ends the first executor. */
    enum Variant {
        /** Killed at the point. */
        CRASH(""),
        /**
         * The step fails at the point (only where the host was asked: after-call), and the
         * executor settles it (rolls back, or keeps the record) before the daemon restarts.
         */
        FAIL(" (failed)"),
        /**
         * Killed at the point, and the current ledger file is then found damaged (a flipped
         * byte): the daemon goes on from the previous generation, one write behind.
         */
        CRASH_DAMAGED(" (damaged)");

        final String suffix;

        Variant(String suffix) {
            this.suffix = suffix;
        }
    }

    private void crashAndRecover(World template, Op op, CrashPoint point, int steps, Variant variant) {
        boolean failInstead = variant == Variant.FAIL;
        World w = new World(template);
        Ledger before = w.ledger();
        Map<String, Map<String, String>> points = new TreeMap<>(w.points);
        Map<String, String> live = new TreeMap<>(w.live);
        w.restart(p -> {
            if (p.equals(point)) {
                if (failInstead) {
                    throw new StepFailed(VM, null, null, "injected: the step failed at " + p, null);
                }
                throw new Crash(p);
            }
        });
        boolean settled = false;
        try {
            OperationRunner.Result r = w.run(op.intent());
            fail("ran to its end without reaching " + point + "; plan was " + r.plan().steps());
        } catch (Crash expected) {
            // the daemon is gone; QEMU and the files stay
        } catch (StepFailed expected) {
            assertTrue(failInstead, "a step failed: " + expected);
            settled = w.book.byName(VM).orElseThrow().operation().isEmpty(); // rolled back, not left for recovery
        }
        if (variant == Variant.CRASH_DAMAGED) {
            try {
                Path current = new LedgerStore(w.state, CLOCK).fileOf(w.host.domain(VM).uuid);
                byte[] b = Files.readAllBytes(current);
                b[b.length / 2] ^= 0x08;
                Files.write(current, b);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        w.restart(CrashSite.NONE);
        int resumed = w.recover();
        if (variant == Variant.CRASH_DAMAGED) {
            assertTrue(resumed <= 1, "operations resumed: " + resumed); // the previous generation may have none
        } else {
            // A ledger rewrite that is the last step writes the operation's end with it.
            boolean ended = point.where() == CrashPoint.Where.AFTER_LEDGER && point.step() == steps - 1;
            assertEquals(settled || ended ? 0 : 1, resumed, "operations resumed after the crash");
        }

        Ledger after = w.ledger();
        assertTrue(w.book.byName(VM).orElseThrow().operation().isEmpty(), "the operation record is gone");
        assertEquals(List.of(), after.check(), "ledger invariants");
        for (Disk d : after.disks()) {
            assertEquals(d.activeChain(), w.host.sim.chain(w.host.domain(VM).disks.get(d.target())),
                    "ledger and truth of " + d.target());
        }
        boolean completed = !after.equals(before);
        Set<String> deleted = op.intent() instanceof Intent.Delete del ? del.names() : Set.of();
        for (var e : points.entrySet()) {
            String name = e.getKey();
            var s = after.snapshot(name);
            if (s.isEmpty()) {
                assertTrue(deleted.contains(name), "snapshot " + name + " is gone though not deleted");
                continue;
            }
            for (var holder : s.get().holders().entrySet()) {
                assertEquals(e.getValue().get(holder.getKey()), w.host.sim.viewDigest(holder.getValue()),
                        "point in time of " + name + " on " + holder.getKey() + " (held by " + holder.getValue() + ")");
            }
        }
        if (op.intent() instanceof Intent.Create c && after.snapshot(c.name()).isPresent()) {
            after.snapshot(c.name()).get().holders().forEach((disk, holder) -> assertEquals(live.get(disk),
                    w.host.sim.viewDigest(holder), "the new snapshot on " + disk));
        }
        Map<String, String> expectLive = live;
        if (op.intent() instanceof Intent.Revert rv && completed) {
            expectLive = points.get(rv.name());
        }
        for (var e : w.host.domain(VM).disks.entrySet()) {
            if (expectLive.containsKey(e.getKey())) {
                assertEquals(expectLive.get(e.getKey()), w.host.sim.viewDigest(e.getValue()), "what the guest sees on "
                        + e.getKey());
            }
        }
        assertNoOrphans(w, op);
        assertEquals(Set.of(), w.host.jobs(), "block jobs left running");

        // the second recovery changes nothing
        int log = w.host.sim.log().size();
        StoredLedger stored = w.book.byName(VM).orElseThrow();
        w.restart(CrashSite.NONE);
        assertEquals(0, w.recover(), "operations left for a second recovery");
        assertEquals(stored, w.book.byName(VM).orElseThrow(), "the ledger as read back");
        assertEquals(log, w.host.sim.log().size(), "the second recovery touched the images");

        // and the domain goes on: a new snapshot
        w.write(2);
        w.run(Intent.Create.of("after"));
    }

    /** Every image is named by a ledger, runs in a domain, or is a file the operation was asked to write; every image a ledger names exists. */
    private static void assertNoOrphans(World w, Op op) {
        Set<String> named = new TreeSet<>();
        for (StoredLedger s : w.book.all()) {
            for (Disk d : s.ledger().disks()) {
                for (Image i : d.images()) {
                    named.add(i.path());
                    assertTrue(w.host.sim.exists(i.path()), "the ledger names " + i.path() + ", which is gone");
                }
            }
        }
        for (SimHost.Domain d : w.host.domains.values()) {
            for (String image : d.disks.values()) {
                named.addAll(w.host.sim.chain(image));
            }
        }
        Function<Intent, Set<String>> asked = i -> {
            if (i instanceof Intent.Export e) {
                return Set.copyOf(e.destinations().values());
            } else if (i instanceof Intent.ExportDiff e) {
                return Set.copyOf(e.destinations().values());
            } else if (i instanceof Intent.BlockCopy c) {
                return Set.of(c.dest());
            }
            return Set.of();
        };
        named.addAll(asked.apply(op.intent()));
        Set<String> orphans = new TreeSet<>(w.host.sim.images());
        orphans.removeAll(named);
        assertEquals(Set.of(), orphans, "images nothing names");
    }
}
