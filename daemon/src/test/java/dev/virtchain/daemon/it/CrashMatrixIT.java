package dev.virtchain.daemon.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.daemon.CrashPoints;
import dev.virtchain.daemon.ledger.StoredLedger;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.Origin;
import dev.virtchain.model.Snapshot;
import dev.virtchain.testing.ImageContent;
import dev.virtchain.testing.TestDomain;
import dev.virtchain.testing.TestLibvirt;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The crash matrix (docs/design.md §6): for each operation and each crash point it passes, virtchaind
 * runs the operation with the point armed, dies there with status 137, and is started again
 * without it. Once it answers {@code status} with phase ready, the interrupted operation has been
 * finished or rolled back, and:
 * <ul>
 *   <li>the surviving snapshots are the ones before the operation or the ones after it;</li>
 *   <li>every surviving snapshot's holder shows the content recorded when it was taken;</li>
 *   <li>the guest sees what it saw before (or, for a revert that finished, the snapshot's content);</li>
 *   <li>the ledger is the truth ({@link ChainAudit}): chains match the domain XML, every image
 *       exists and checks clean, no file is left that no ledger image accounts for;</li>
 *   <li>a second restart changes nothing: the ledger file is byte for byte the same;</li>
 *   <li>at the end of each operation's cases (shut-off ones: every time), the domain still
 *       starts from its definition, on the chain the ledger names.</li>
 * </ul>
 *
 * <p>To stay affordable on two cores, each operation has one domain (64 MiB disks, a few MiB of
 * guest data) that its crash points take turns on; each case first builds the chain it needs
 * through the running daemon, and {@code --dry-run} checks that the planner picks the method the
 * case is about (a pull, an active commit and pivot, one range commit…). The whole matrix takes
 * about a quarter of an hour; {@value #ONLY} narrows it to some operations while working on them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CrashMatrixIT {
    private static final Duration READY = Duration.ofSeconds(90);
    /** Environment variable naming the operations to run, e.g. {@code DELETE_BOTTOM,PRUNE}; unset: all. */
    static final String ONLY = "VIRTCHAIN_CRASH_MATRIX_ONLY";

    /** A point-in-time-changing operation and the crash points it passes, in the order it passes them. */
    enum Op {
        CREATE(2, "after-record@1", "after-record@2", "after-record@3", "after-record@4", "after-ledger"),
        // Every delete first records the snapshot as gone (its holder a tombstone until the merge),
        // then runs the job, records the new holders, and removes the merged images.
        DELETE_NEWEST_BY_PULL(1, "after-record@1", "after-ledger@1", "after-record@2", "after-call",
                "after-record@3", "after-ledger@2", "after-record@4", "before-unlink"),
        DELETE_NEWEST_BY_ACTIVE_COMMIT(1, "after-record@1", "after-ledger@1", "after-record@2", "after-call",
                "at-ready", "after-record@3", "after-pivot", "after-record@4", "after-ledger@2", "after-record@5",
                "before-unlink"),
        DELETE_INTERIOR(1, "after-record@1", "after-ledger@1", "after-record@2", "after-call", "after-record@3",
                "after-ledger@2", "after-record@4", "before-unlink"),
        DELETE_BOTTOM(1, "after-record@1", "after-ledger@1", "after-record@2", "after-call", "after-record@3",
                "after-ledger@2", "after-record@4", "before-unlink"),
        DELETE_TWO_ADJACENT(1, "after-record@1", "after-ledger@1", "after-record@2", "after-call", "after-record@3",
                "after-ledger@2", "after-record@4", "before-unlink@1", "after-record@5", "before-unlink@2"),
        // Shut off, qemu-img does the merge: the plan is pinned in prepare().
        DELETE_INTERIOR_SHUT_OFF(1, "after-record@1", "after-ledger@1", "after-record@2", "after-call@1",
                "after-record@3", "after-call@2", "after-record@4", "after-ledger@2", "after-record@5", "before-unlink"),
        REVERT_SHUT_OFF(1, "after-record@1", "after-record@2", "after-call", "after-record@3", "after-ledger"),
        REVERT_FORCED(1, "after-record@1", "after-record@2", "after-record@3", "after-call", "after-record@4",
                "after-ledger", "after-record@5"),
        // A shallow copy of the active image that the domain then runs on: create the target, copy
        // until READY, pivot, record the copy as the active image, remove the image it replaced.
        BLOCKCOPY_SHALLOW_PIVOT(1, "after-record@1", "after-call@1", "after-record@2", "after-call@2", "at-ready",
                "after-record@3", "after-pivot", "after-record@4", "after-ledger", "after-record@5", "before-unlink"),
        // Protects the snapshot for the clone in the ledger, creates the clone's overlay on the
        // snapshot's holder, then defines the clone (its per-domain files copied first).
        CLONE(1, "after-record@1", "after-ledger", "after-record@2", "after-record@3", "before-define-clone"),
        // An overlay stacked by hand while the daemon is down is taken in as it starts: a ledger
        // rewrite recorded before it is written, killed between the two (during start-up).
        ADOPT(1, "after-record@1"),
        // Prunes the two oldest of the policy's snapshots: the same steps as two adjacent deletions.
        PRUNE(1, "after-record@1", "after-ledger@1", "after-record@2", "after-call", "after-record@3",
                "after-ledger@2", "after-record@4", "before-unlink@1", "after-record@5", "before-unlink@2");

        final int disks;
        final List<String> points;

        Op(int disks, String... points) {
            this.disks = disks;
            this.points = List.of(points);
        }
    }

    /** One operation's domain and what the test knows about its snapshots. */
    private static final class Scene {
        final TestDomain dom;
        /** Snapshot name → disk → digest of the point in time, recorded when it was taken. */
        final Map<String, Map<String, String>> digests = new HashMap<>();
        int seq;
        /** CLONE: the clone this case asks for, and the snapshot it is made from. */
        String clone;
        String clonedSnapshot;
        /** ADOPT: what the guest saw when the overlay was stacked on it by hand. */
        Map<String, String> stacked;

        Scene(TestDomain dom) {
            this.dom = dom;
        }

        String next(String prefix) {
            return prefix + (++seq);
        }
    }

    /** What a case asks of the daemon and what it may leave behind. */
    private record Planned(String command, ObjectNode args, Set<String> deletes, Optional<String> creates,
                           Optional<String> revertsTo) {}

    /** What deleting an interior snapshot of a shut-off domain takes. */
    private static final List<String> OFFLINE_INTERIOR_PLAN = List.of("ledger", "commit", "rebase", "ledger", "unlink");

    private Path home;
    private DaemonProcess daemon;
    private final Map<Op, Scene> scenes = new EnumMap<>(Op.class);
    /**
     * PRUNE's policy: while filling it takes a snapshot every 2 s and keeps all; otherwise it never
     * fires and keeps {@link #pruneKeep}, two fewer than there are, so each prune deletes two.
     */
    private boolean pruneFill;
    private int pruneKeep = 1;
    /** How many snapshots the policy takes up front, enough for every PRUNE case. */
    private static final int PRUNE_STOCK = 2 * 10 + 2;

    @BeforeAll
    void startDaemon() throws IOException {
        home = Files.createTempDirectory(TestDomain.workRoot(), "vcd-crash-");
        // Traversable, not listable: QEMU's user opens blockcopy targets in <home>/state/copies.
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx--x--x"));
        daemon = DaemonProcess.startReady(home, config());
    }

    @AfterAll
    void cleanUp() {
        List<RuntimeException> problems = new ArrayList<>();
        if (daemon != null) {
            daemon.close();
        }
        for (Scene s : scenes.values()) {
            try {
                s.dom.close();
            } catch (RuntimeException e) {
                problems.add(e);
            }
        }
        deleteTree(home);
        if (!problems.isEmpty()) {
            throw problems.get(0);
        }
    }

    /** Every operation, or only those named in {@value #ONLY} (comma-separated), to focus a run. */
    static Stream<Arguments> cases() {
        String only = System.getenv(ONLY);
        Set<String> chosen = only == null || only.isBlank() ? null : Set.of(only.split(","));
        return Stream.of(Op.values()).filter(op -> chosen == null || chosen.contains(op.name()))
                .flatMap(op -> op.points.stream().map(p -> Arguments.of(op, p)));
    }

    @ParameterizedTest(name = "{0} crashing at {1}")
    @MethodSource("cases")
    @Timeout(300)
    void recoversFromACrashAt(Op op, String point) throws Exception {
        Scene scene = scene(op);
        TestDomain dom = scene.dom;
        Planned planned = prepare(op, scene);

        StoredLedger before = ChainAudit.read(home, dom);
        ChainAudit.assertTruth(dom, before, scene.digests);
        Set<String> namesBefore = names(before.ledger());
        Map<String, String> liveBefore = liveDigests(dom);

        if (op == Op.ADOPT) {
            stackByHand(scene);
        }
        daemon.stop();
        daemon = null;
        DaemonProcess armed = DaemonProcess.start(home, config(), Optional.of(point));
        try {
            if (op == Op.ADOPT) {
                // It dies taking the stacked overlay in, before it answers.
                assertEquals(CrashPoints.HALT_STATUS, armed.awaitExit(Duration.ofSeconds(120)), armed.tail());
                assertTrue(armed.output().contains("crash point after-record reached"), armed.tail());
            } else {
                crashDuring(armed, op, dom.name(), planned, point);
            }
        } finally {
            armed.close();
        }

        daemon = DaemonProcess.startReady(home, config());
        JsonNode recovery = daemon.require("status", DaemonProcess.args()).path("recovery");
        List<String> unresolved = new ArrayList<>();
        recovery.path("unresolved").forEach(u -> {
            if (u.asText().contains(dom.name())) {
                unresolved.add(u.asText());
            }
        });
        assertEquals(List.of(), unresolved, "recovery left problems; the daemon's log ends:\n" + daemon.tail());
        // Killed after an operation's last write (a final ledger rewrite, which ends it): nothing to settle.
        boolean ended = point.startsWith("after-ledger") && point.equals(op.points.get(op.points.size() - 1));
        assertEquals(ended ? 0 : 1, recovery.path("completed").asInt() + recovery.path("rolledBack").asInt(),
                (ended ? "nothing to settle: " : "one interrupted operation to settle: ") + recovery);

        StoredLedger after = ChainAudit.read(home, dom);
        Set<String> namesAfter = names(after.ledger());
        boolean finished = !namesAfter.equals(namesBefore);
        Set<String> expectedIfFinished = new TreeSet<>(namesBefore);
        expectedIfFinished.removeAll(planned.deletes());
        planned.creates().ifPresent(expectedIfFinished::add);
        if (planned.revertsTo().isPresent()) {
            List<String> kept = namesAfter.stream().filter(n -> !namesBefore.contains(n)).toList();
            if (!kept.isEmpty()) {
                assertEquals(1, kept.size(), "a revert keeps the state it leaves as one snapshot: " + kept);
                assertTrue(kept.get(0).startsWith("pre-revert-"), kept.toString());
                expectedIfFinished.add(kept.get(0));
                scene.digests.put(kept.get(0), liveBefore);
            }
        }
        if (op == Op.ADOPT) {
            List<String> taken = namesAfter.stream().filter(n -> !namesBefore.contains(n)).toList();
            assertEquals(1, taken.size(), "recovery took in the overlay stacked by hand as one snapshot: " + taken);
            assertTrue(taken.get(0).startsWith("adopted-"), taken.toString());
            expectedIfFinished.add(taken.get(0));
            scene.digests.put(taken.get(0), scene.stacked);
        }
        assertTrue(namesAfter.equals(namesBefore) || namesAfter.equals(expectedIfFinished), "after recovery the"
                + " snapshots are " + namesAfter + "; expected those before " + namesBefore + " or after "
                + expectedIfFinished);
        if (planned.creates().isPresent() && finished) {
            scene.digests.put(planned.creates().get(), liveBefore);
        }

        if (op == Op.CLONE) {
            // First: the clone's overlay lies beside the origin's images, in the clone's ledger.
            assertCloneWholeOrAbsent(scene, after.ledger());
        }
        ChainAudit.assertTruth(dom, after, scene.digests);
        if (op == Op.REVERT_FORCED) {
            assertTrue(dom.isRunning(), "a forced revert starts the domain again");
        } else if (op == Op.REVERT_SHUT_OFF || op == Op.DELETE_INTERIOR_SHUT_OFF) {
            assertTrue(!dom.isRunning(), "recovery does not start a domain that was shut off");
        }
        Map<String, String> expectedLive = planned.revertsTo().isPresent() && finished
                ? scene.digests.get(planned.revertsTo().get()) : liveBefore;
        assertEquals(expectedLive, liveDigests(dom), "what the guest sees");

        // Recovery is idempotent: one more restart finds nothing to do and writes nothing.
        byte[] settled = ChainAudit.ledgerBytes(home, dom);
        daemon.stop();
        daemon = DaemonProcess.startReady(home, config());
        assertArrayEquals(settled, ChainAudit.ledgerBytes(home, dom), "a second restart rewrote the ledger of "
                + dom.name() + "; the daemon's log ends:\n" + daemon.tail());
        scene.digests.keySet().retainAll(namesAfter);

        // The domain still starts from its definition, on the chain the ledger names. Shut-off
        // cases check this every time (their next case starts the domain anyway); running ones at
        // the end of their operation.
        if (!dom.isRunning() || point.equals(op.points.get(op.points.size() - 1))) {
            assertStartsOnTheLedgersChain(dom, after.ledger());
        }
    }

    /** Asks the armed daemon for the case's command and checks that it died at {@code point} on the way. */
    private void crashDuring(DaemonProcess armed, Op op, String domain, Planned planned, String point) throws Exception {
        armed.awaitReady(READY);
        if (op == Op.PRUNE) {
            requirePrune(armed, domain, planned.deletes());
        }
        try {
            JsonNode answer = armed.call(planned.command(), planned.args());
            fail(planned.command() + " finished without reaching crash point " + point + ": " + answer);
        } catch (IOException expected) {
            // the daemon halted mid-operation
        } catch (DaemonProcess.Refusal r) {
            fail(planned.command() + " was refused before reaching crash point " + point + ": " + r.getMessage()
                    + "\n" + armed.tail());
        }
        assertEquals(CrashPoints.HALT_STATUS, armed.awaitExit(Duration.ofSeconds(60)), armed.tail());
        String name = point.contains("@") ? point.substring(0, point.indexOf('@')) : point;
        assertTrue(armed.output().contains("crash point " + name + " reached"), armed.tail());
    }

    /**
     * After recovery a clone is whole (defined, managed, protecting its snapshot, on an overlay that
     * shows the snapshot's point in time) or absent (no definition, no overlay, no protection).
     * Then it is removed, and the test waits until the origin's ledger lets go of it.
     */
    private void assertCloneWholeOrAbsent(Scene s, Ledger origin) throws Exception {
        String clone = s.clone;
        Path overlay = s.dom.dir().resolve(clone + ".vda.qcow2");
        boolean defined = TestLibvirt.connection().listDefinedDomains() != null
                && List.of(TestLibvirt.connection().listDefinedDomains()).contains(clone);
        boolean protects = origin.requireSnapshot(s.clonedSnapshot).protectedBy().contains(clone);
        try {
            assertEquals(defined, protects, "clone " + clone + " is " + (defined ? "" : "not ") + "defined, and snapshot "
                    + s.clonedSnapshot + " is " + (protects ? "" : "not ") + "protected by it");
            assertEquals(defined, Files.exists(overlay), "clone " + clone + (defined ? " is defined, but its overlay "
                    + overlay + " is missing" : " is not defined, yet its overlay " + overlay + " was left behind"));
            if (defined) {
                assertEquals(s.digests.get(s.clonedSnapshot).get("vda"), ImageContent.digest(overlay),
                        "the clone shows snapshot " + s.clonedSnapshot);
                JsonNode domains = daemon.require("domains", DaemonProcess.args());
                List<String> managed = new ArrayList<>();
                domains.path("domains").forEach(d -> managed.add(d.path("name").asText()));
                assertTrue(managed.contains(clone), "recovery adopted clone " + clone + ", which it defined: " + managed);
            }
        } finally {
            TestDomain.removeDomain(clone);
            Files.deleteIfExists(overlay);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (ChainAudit.read(home, s.dom).ledger().requireSnapshot(s.clonedSnapshot).protectedBy().contains(clone)) {
            assertTrue(System.nanoTime() < deadline, "snapshot " + s.clonedSnapshot + " is still protected by the"
                    + " removed clone " + clone + "; the daemon's log ends:\n" + daemon.tail());
            DaemonProcess.sleep(200);
        }
    }

    private static void assertStartsOnTheLedgersChain(TestDomain dom, Ledger ledger) {
        dom.stop();
        try {
            dom.start();
        } catch (IllegalStateException e) {
            throw new AssertionError("the domain no longer starts from its definition: " + e.getMessage(), e);
        }
        for (String disk : dom.targets()) {
            assertEquals(ledger.activeChain(disk), dom.chain(disk).stream().map(Path::toString).toList(),
                    "the chain " + disk + " started with");
        }
    }

    // --- preparing each case ---------------------------------------------------------------------------

    private Planned prepare(Op op, Scene s) {
        String domain = s.dom.name();
        return switch (op) {
            case CREATE -> {
                write(s, "512k");
                String name = s.next("c");
                yield new Planned("snapshot-create", create(domain, name), Set.of(), Optional.of(name), Optional.empty());
            }
            case DELETE_NEWEST_BY_PULL -> {
                // The holder has little data, the active layer much: pulling the holder is cheaper.
                snapshot(s, s.next("y"));
                write(s, "256k");
                String x = s.next("x");
                snapshot(s, x);
                write(s, "2M");
                requirePlan(domain, Set.of(x), List.of("ledger", "pull", "ledger", "unlink"));
                yield delete(domain, x);
            }
            case DELETE_NEWEST_BY_ACTIVE_COMMIT -> {
                // The holder has much data, the active layer little: committing the active layer is cheaper.
                snapshot(s, s.next("y"));
                write(s, "2M");
                String x = s.next("x");
                snapshot(s, x);
                write(s, "256k");
                requirePlan(domain, Set.of(x), List.of("ledger", "active-commit", "pivot", "ledger", "unlink"));
                yield delete(domain, x);
            }
            case DELETE_INTERIOR -> {
                if (s.seq == 0) {
                    snapshot(s, s.next("b")); // a snapshot below the interior one
                    write(s, "256k");
                }
                String t = s.next("t");
                snapshot(s, t);
                write(s, "512k");
                snapshot(s, s.next("u"));
                write(s, "256k");
                requirePlan(domain, Set.of(t), List.of("ledger", "commit", "ledger", "unlink"));
                yield delete(domain, t);
            }
            case DELETE_BOTTOM -> {
                while (ChainAudit.read(home, s.dom).ledger().snapshots().size() < 2) {
                    snapshot(s, s.next("b"));
                    write(s, "512k");
                }
                Ledger l = ChainAudit.read(home, s.dom).ledger();
                String base = s.dom.basePath("vda").toString();
                String bottom = l.snapshots().stream().filter(sn -> sn.holders().get("vda").equals(base))
                        .map(Snapshot::name).findFirst().orElseThrow(() -> new AssertionError("no snapshot held by "
                                + base + " in " + l.snapshots()));
                requirePlan(domain, Set.of(bottom), List.of("ledger", "commit", "ledger", "unlink"));
                yield delete(domain, bottom);
            }
            case DELETE_TWO_ADJACENT -> {
                String a = s.next("a");
                snapshot(s, a);
                write(s, "512k");
                String b = s.next("a");
                snapshot(s, b);
                write(s, "512k");
                snapshot(s, s.next("c"));
                write(s, "256k");
                requirePlan(domain, Set.of(a, b), List.of("ledger", "commit", "ledger", "unlink", "unlink"));
                yield delete(domain, a, b);
            }
            case DELETE_INTERIOR_SHUT_OFF -> {
                if (!s.dom.isRunning()) {
                    s.dom.start();
                }
                // t's holder has more data than u's: committing u's holder into t's is cheaper than
                // pulling t's into u's, so qemu-img commits, and the active image is rebased onto t's.
                if (s.seq == 0) {
                    snapshot(s, s.next("b"));
                    write(s, "2M");
                }
                String t = s.next("t");
                snapshot(s, t);
                write(s, "256k");
                snapshot(s, s.next("u"));
                write(s, "2M");
                s.dom.stop();
                requirePlan(domain, Set.of(t), OFFLINE_INTERIOR_PLAN);
                yield delete(domain, t);
            }
            case REVERT_SHUT_OFF -> {
                if (!s.dom.isRunning()) {
                    s.dom.start();
                }
                String r = s.next("r");
                snapshot(s, r);
                write(s, "512k");
                s.dom.stop();
                ObjectNode args = DaemonProcess.args().put("domain", domain).put("name", r);
                yield new Planned("snapshot-revert", args, Set.of(), Optional.empty(), Optional.of(r));
            }
            case REVERT_FORCED -> {
                String r = s.next("r");
                snapshot(s, r);
                write(s, "512k");
                ObjectNode args = DaemonProcess.args().put("domain", domain).put("name", r).put("force", true);
                yield new Planned("snapshot-revert", args, Set.of(), Optional.empty(), Optional.of(r));
            }
            case BLOCKCOPY_SHALLOW_PIVOT -> {
                if (s.seq == 0) {
                    snapshot(s, s.next("b")); // the copy keeps this snapshot's holder below it
                }
                write(s, "512k");
                ObjectNode args = DaemonProcess.args().put("domain", domain).put("disk", "vda")
                        .put("dest", DaemonProcess.stateDir(home).resolve("copies")
                                .resolve(s.next("copy") + ".qcow2").toString())
                        .put("shallow", true).put("pivot", true);
                JsonNode r = daemon.require("blockcopy", args.deepCopy().put("dry-run", true));
                List<String> got = new ArrayList<>();
                r.path("plan").path("steps").forEach(st -> got.add(st.path("kind").asText()));
                assertEquals(List.of("create-copy-target", "copy", "pivot", "ledger", "unlink"), got,
                        "the plan for a shallow copy and pivot: " + r.path("plan"));
                yield new Planned("blockcopy", args, Set.of(), Optional.empty(), Optional.empty());
            }
            case CLONE -> {
                if (s.clonedSnapshot == null) {
                    write(s, "512k");
                    s.clonedSnapshot = s.next("k");
                    snapshot(s, s.clonedSnapshot);
                }
                write(s, "256k");
                // Named like the harness's domains (vctest-<pid>-<suffix>): a killed run's clone is swept too.
                s.clone = domain + "k" + s.seq;
                ObjectNode args = DaemonProcess.args().put("domain", domain).put("name", s.clonedSnapshot)
                        .put("new-domain", s.clone);
                yield new Planned("clone", args, Set.of(), Optional.empty(), Optional.empty());
            }
            case PRUNE -> preparePrune(s);
            case ADOPT -> {
                write(s, "256k");
                yield new Planned("adopt", DaemonProcess.args().put("domain", domain), Set.of(), Optional.empty(),
                        Optional.empty());
            }
        };
    }

    /** What an operator does by hand: an external snapshot without metadata, virtchain's daemon down or not looking. */
    private void stackByHand(Scene s) {
        s.stacked = liveDigests(s.dom);
        s.dom.externalSnapshot(Map.of("vda", s.dom.dir().resolve("by-hand-" + s.next("h") + ".qcow2")));
    }

    /**
     * The first time, lets the policy take enough snapshots for every case (with guest writes
     * between them). Each case then sets keep-last to two fewer than the policy has: {@code prune}
     * deletes the two oldest in one plan, and a dry run on the armed daemon (which plans only,
     * passing no crash point) checks that first.
     */
    private Planned preparePrune(Scene s) {
        if (policySnapshots(s).size() < 3) {
            pruneFill = true;
            restartDaemon();
            long deadline = System.nanoTime() + Duration.ofSeconds(3L * PRUNE_STOCK + 30).toNanos();
            int seen = policySnapshots(s).size();
            while (seen < PRUNE_STOCK) {
                if (System.nanoTime() > deadline) {
                    fail("the policy took " + seen + " snapshots in time; the daemon's log ends:\n" + daemon.tail());
                }
                int now = policySnapshots(s).size();
                if (now > seen) {
                    seen = now;
                    write(s, "128k");
                }
                DaemonProcess.sleep(200);
            }
            pruneFill = false;
            daemon.stop(); // a policy run under way finishes first
            for (Snapshot sn : policySnapshots(s)) {
                // Only snapshots were added since each was taken: every holder still shows its point in time.
                s.digests.computeIfAbsent(sn.name(), n -> Map.of("vda", ImageContent.digest(Path.of(sn.holders().get("vda")))));
            }
            daemon = DaemonProcess.startReady(home, config());
        }
        List<Snapshot> mine = policySnapshots(s);
        pruneKeep = mine.size() - 2;
        Set<String> doomed = Set.of(mine.get(0).name(), mine.get(1).name());
        return new Planned("prune", DaemonProcess.args().put("domain", s.dom.name()), doomed, Optional.empty(),
                Optional.empty());
    }

    /** {@code prune --dry-run} on the daemon about to run the case: it deletes exactly {@code doomed}. */
    private void requirePrune(DaemonProcess d, String domain, Set<String> doomed) {
        JsonNode planned = d.require("prune", DaemonProcess.args().put("domain", domain).put("dry-run", true));
        Set<String> deleted = new TreeSet<>();
        planned.path("deleted").forEach(n -> deleted.add(n.asText()));
        assertEquals(new TreeSet<>(doomed), deleted, "prune --dry-run: " + planned);
        List<String> kinds = new ArrayList<>();
        planned.path("plan").path("steps").forEach(st -> kinds.add(st.path("kind").asText()));
        assertEquals(List.of("ledger", "commit", "ledger", "unlink", "unlink"), kinds, planned.toString());
    }

    private List<Snapshot> policySnapshots(Scene s) {
        return ChainAudit.read(home, s.dom).ledger().snapshots().stream()
                .filter(sn -> sn.origin().kind() == Origin.Kind.POLICY)
                .sorted(Comparator.comparing(Snapshot::created)).toList();
    }

    private void restartDaemon() {
        daemon.stop();
        daemon = DaemonProcess.startReady(home, config());
    }

    private Scene scene(Op op) {
        // Cases run operation by operation: the domains of finished operations go, so that each
        // start of the daemon has fewer chains to read.
        for (var it = scenes.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey() != op) {
                e.getValue().dom.close();
                it.remove();
            }
        }
        Scene s = scenes.get(op);
        if (s == null) {
            s = new Scene(TestDomain.builder().disks(op.disks).create());
            scenes.put(op, s);
            if (op == Op.PRUNE) {
                restartDaemon(); // its policy matches the domain by name
            }
            daemon.require("adopt", DaemonProcess.args().put("domain", s.dom.name()));
        }
        return s;
    }

    private String config() {
        StringBuilder c = new StringBuilder();
        c.append("[daemon]\n");
        c.append("min-free-space = 0\n");
        c.append("max-block-jobs = 2\n");
        // This run's domains only (TestDomain names them vctest-<pid>-..., clones included): another
        // run's daemon may be changing its own, which would look like drift here.
        c.append("manage = match\nmanage-match = vctest-").append(ProcessHandle.current().pid()).append("-*\n");
        Scene prune = scenes.get(Op.PRUNE);
        if (prune != null) {
            c.append("\n[policy p]\nmatch = ").append(prune.dom.name()).append("\nquiesce = no\n");
            if (pruneFill) {
                c.append("schedule = */2 * * * * ?\nkeep-last = 0\n");
            } else {
                c.append("schedule = 0 0 0 1 1 ? 2099\nkeep-last = ").append(pruneKeep).append('\n');
            }
        }
        return c.toString();
    }

    // --- small steps through the daemon --------------------------------------------------------------

    private void snapshot(Scene s, String name) {
        Map<String, String> live = liveDigests(s.dom);
        daemon.require("snapshot-create", create(s.dom.name(), name));
        s.digests.put(name, live);
    }

    private static ObjectNode create(String domain, String name) {
        return DaemonProcess.args().put("domain", domain).put("name", name).put("quiesce", "no");
    }

    private static Planned delete(String domain, String... names) {
        ObjectNode args = DaemonProcess.args().put("domain", domain);
        var list = args.putArray("names");
        for (String n : names) {
            list.add(n);
        }
        return new Planned("snapshot-delete", args, Set.of(names), Optional.empty(), Optional.empty());
    }

    /** Asks for the plan and checks it is made of {@code kinds}, in order. */
    private void requirePlan(String domain, Set<String> names, List<String> kinds) {
        ObjectNode args = delete(domain, names.toArray(String[]::new)).args().put("dry-run", true);
        JsonNode r = daemon.require("snapshot-delete", args);
        List<String> got = new ArrayList<>();
        r.path("plan").path("steps").forEach(st -> got.add(st.path("kind").asText()));
        assertEquals(kinds, got, "the plan for deleting " + names + ": " + r.path("plan"));
    }

    private static void write(Scene s, String length) {
        int pattern = 0x11 + (s.seq * 7) % 0xee;
        long offset = (long) (s.seq % 14) * (4 << 20); // 64 MiB disks, writes of at most 2 MiB
        for (String disk : s.dom.targets()) {
            s.dom.write(disk, pattern, Long.toString(offset), length);
        }
        s.seq++;
    }

    private static Map<String, String> liveDigests(TestDomain dom) {
        Map<String, String> out = new TreeMap<>();
        for (String disk : dom.targets()) {
            out.put(disk, ChainAudit.liveDigest(dom, disk));
        }
        return out;
    }

    private static Set<String> names(Ledger l) {
        return l.snapshots().stream().map(Snapshot::name).collect(Collectors.toCollection(TreeSet::new));
    }

    static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot delete " + root, e);
        }
    }
}
