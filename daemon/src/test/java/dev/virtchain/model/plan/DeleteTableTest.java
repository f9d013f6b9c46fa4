package dev.virtchain.model.plan;

import static dev.virtchain.model.plan.DomainState.RUNNING;
import static dev.virtchain.model.plan.DomainState.SHUT_OFF;
import static dev.virtchain.model.plan.Fixture.clusters;
import static dev.virtchain.model.plan.Fixture.img;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtchain.model.Ledger;
import dev.virtchain.model.Snapshot;
import dev.virtchain.model.Tombstone;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Every row of docs/design.md §2 on its chain {@code V <- V.1 <- V.2 <- V.3^}, live and offline: the
 * steps, the ledger after and the bytes, then the plan run on the simulator (which checks each
 * step's bytes against its estimate) and every remaining point in time read back.
 */
class DeleteTableTest {
    static final String V = img("V");
    static final String V1 = img("V.1");
    static final String V2 = img("V.2");
    static final String V3 = img("V.3");
    static final String V4 = img("V.4");
    static final List<String> CHAIN_AFTER_S2 = List.of(V3, V1, V);

    /** What each point in time shows in the design chain (see {@link Fixture#design}). */
    static final long[] S0 = {10, 10, 10, 10, 0, 0, 0, 0};
    static final long[] S1 = {10, 11, 10, 10, 11, 0, 0, 0};
    static final long[] S2 = {10, 11, 12, 10, 12, 12, 0, 0};
    static final long[] LIVE = {10, 11, 12, 13, 12, 13, 13, 0};

    static List<Step> jobs(Plan p) {
        List<Step> out = new ArrayList<>();
        for (Step s : p.steps()) {
            if (!(s instanceof Step.UpdateLedger)) {
                out.add(s);
            }
        }
        return out;
    }

    static Map<String, String> holders(Ledger l) {
        Map<String, String> m = new TreeMap<>();
        for (Snapshot s : l.snapshots()) {
            m.put(s.name(), s.holder("vda"));
        }
        return m;
    }

    static void assertShows(Fixture f, Map<String, long[]> expected, long[] live) {
        expected.forEach((name, tokens) ->
                assertArrayEquals(tokens, f.tokens(f.ledger.requireSnapshot(name).holder("vda")), name));
        assertArrayEquals(live, f.tokens(f.ledger.requireDisk("vda").active()), "live");
    }

    // ---------------------------------------------------------------- live rows

    @Test
    void deleteS2LivePullsIntoTheActiveImage() {
        Fixture f = Fixture.design(RUNNING);
        Plan p = f.plan(Intent.Delete.of("S2"));
        assertEquals(List.of(
                new Step.BlockPull("vda", V3, V1, clusters(2), "/img", CHAIN_AFTER_S2),
                new Step.Unlink("vda", V2)), jobs(p));
        assertEquals(Map.of("S0", V, "S1", V1), holders(p.after()));
        assertEquals(V3, p.after().requireDisk("vda").active());
        assertEquals(CHAIN_AFTER_S2, p.after().activeChain("vda"));
        assertEquals(clusters(2), p.estimatedBytes());
        assertEquals(Map.of("/img", clusters(2)), p.bytesByDirectory());
        assertEquals(List.of(V2), p.unlinks());
        assertEquals("S1", p.after().current());
        assertTrue(p.after().tombstones().isEmpty());
        Run.apply(f, Intent.Delete.of("S2"));
        assertShows(f, Map.of("S0", S0, "S1", S1), LIVE);
    }

    @Test
    void deleteS2LiveActiveCommitsWhenTheActiveLayerIsSmaller() {
        // V.2 holds much that V.3 does not: pulling would copy 5 clusters, committing V.3 one.
        Fixture f = Fixture.linear(RUNNING, new int[][] {{0, 1, 2, 3}, {1, 4}, {2, 4, 5, 6, 7}, {3}});
        Plan p = f.plan(Intent.Delete.of("S2"));
        List<String> after = List.of(V2, V1, V);
        assertEquals(List.of(
                new Step.BlockCommit("vda", V3, V2, true, clusters(1), "/img", after),
                new Step.Pivot("vda", V2, after),
                new Step.Unlink("vda", V3)), jobs(p));
        assertEquals(Map.of("S0", V, "S1", V1), holders(p.after()));
        assertEquals(V2, p.after().requireDisk("vda").active());
        assertEquals(clusters(1), p.estimatedBytes());
        long[] live = f.tokens(V3);
        Run.apply(f, Intent.Delete.of("S2"));
        assertArrayEquals(live, f.tokens(V2));
    }

    @Test
    void deleteS1LiveCommitsTheHolderAboveDownIntoIt() {
        Fixture f = Fixture.design(RUNNING);
        Plan p = f.plan(Intent.Delete.of("S1"));
        assertEquals(List.of(
                new Step.BlockCommit("vda", V2, V1, false, clusters(3), "/img", List.of(V3, V1, V)),
                new Step.Unlink("vda", V2)), jobs(p));
        assertEquals(Map.of("S0", V, "S2", V1), holders(p.after()));
        assertEquals(clusters(3), p.estimatedBytes());
        assertEquals("S0", p.after().requireSnapshot("S2").parent());
        Run.apply(f, Intent.Delete.of("S1"));
        assertShows(f, Map.of("S0", S0, "S2", S2), LIVE);
    }

    @Test
    void deleteS0LiveCommitsIntoTheBottom() {
        Fixture f = Fixture.design(RUNNING);
        Plan p = f.plan(Intent.Delete.of("S0"));
        assertEquals(List.of(
                new Step.BlockCommit("vda", V1, V, false, clusters(2), "/img", List.of(V3, V2, V)),
                new Step.Unlink("vda", V1)), jobs(p));
        assertEquals(Map.of("S1", V, "S2", V2), holders(p.after()));
        assertEquals(clusters(2), p.estimatedBytes());
        Run.apply(f, Intent.Delete.of("S0"));
        assertShows(f, Map.of("S1", S1, "S2", S2), LIVE);
    }

    @Test
    void deleteS0AndS1LiveIsOneRangeCommit() {
        Fixture f = Fixture.design(RUNNING);
        Plan p = f.plan(Intent.Delete.of("S0", "S1"));
        assertEquals(List.of(
                new Step.BlockCommit("vda", V2, V, false, clusters(4), "/img", List.of(V3, V)),
                new Step.Unlink("vda", V2),
                new Step.Unlink("vda", V1)), jobs(p));
        assertEquals(Map.of("S2", V), holders(p.after()));
        assertEquals(clusters(4), p.estimatedBytes());
        Run.apply(f, Intent.Delete.of("S0", "S1"));
        assertShows(f, Map.of("S2", S2), LIVE);
    }

    // ---------------------------------------------------------------- offline rows

    @Test
    void deleteS2OfflineRebasesTheActiveImage() {
        Fixture f = Fixture.design(SHUT_OFF);
        Plan p = f.plan(Intent.Delete.of("S2"));
        assertEquals(List.of(
                new Step.OfflineRebase("vda", V3, V1, true, clusters(2), "/img"),
                new Step.Unlink("vda", V2)), jobs(p));
        assertEquals(Map.of("S0", V, "S1", V1), holders(p.after()));
        Run.apply(f, Intent.Delete.of("S2"));
        assertShows(f, Map.of("S0", S0, "S1", S1), LIVE);
    }

    @Test
    void deleteS2OfflineCommitsTheActiveImageWhenSmaller() {
        Fixture f = Fixture.linear(SHUT_OFF, new int[][] {{0, 1, 2, 3}, {1, 4}, {2, 4, 5, 6, 7}, {3}});
        Plan p = f.plan(Intent.Delete.of("S2"));
        assertEquals(List.of(
                new Step.OfflineCommit("vda", V3, V2, clusters(1), "/img"),
                new Step.SetDiskSource("vda", V2, List.of(V2, V1, V)),
                new Step.Unlink("vda", V3)), jobs(p));
        assertEquals(V2, p.after().requireDisk("vda").active());
        Run.apply(f, Intent.Delete.of("S2"));
    }

    @Test
    void deleteS1OfflinePullsIntoTheHolderAboveWhenCheaper() {
        // Offline any image can be pulled into: V.1 adds one cluster V.2 lacks; committing V.2 costs 3.
        Fixture f = Fixture.design(SHUT_OFF);
        Plan p = f.plan(Intent.Delete.of("S1"));
        assertEquals(List.of(
                new Step.OfflineRebase("vda", V2, V, true, clusters(1), "/img"),
                new Step.Unlink("vda", V1)), jobs(p));
        assertEquals(Map.of("S0", V, "S2", V2), holders(p.after()));
        Run.apply(f, Intent.Delete.of("S1"));
        assertShows(f, Map.of("S0", S0, "S2", S2), LIVE);
    }

    @Test
    void deleteS0OfflineCommitsThenRewritesTheOverlay() {
        Fixture f = Fixture.design(SHUT_OFF);
        Plan p = f.plan(Intent.Delete.of("S0"));
        assertEquals(List.of(
                new Step.OfflineCommit("vda", V1, V, clusters(2), "/img"),
                new Step.OfflineRebase("vda", V2, V, false, 0, null),
                new Step.Unlink("vda", V1)), jobs(p));
        assertEquals(Map.of("S1", V, "S2", V2), holders(p.after()));
        Run.apply(f, Intent.Delete.of("S0"));
        assertShows(f, Map.of("S1", S1, "S2", S2), LIVE);
    }

    @Test
    void deleteS0AndS1OfflineFlattensTheHolderAbove() {
        Fixture f = Fixture.design(SHUT_OFF);
        Plan p = f.plan(Intent.Delete.of("S0", "S1"));
        assertEquals(List.of(
                new Step.OfflineRebase("vda", V2, null, true, clusters(3), "/img"),
                new Step.Unlink("vda", V1),
                new Step.Unlink("vda", V)), jobs(p));
        assertEquals(Map.of("S2", V2), holders(p.after()));
        Run.apply(f, Intent.Delete.of("S0", "S1"));
        assertShows(f, Map.of("S2", S2), LIVE);
    }

    // ---------------------------------------------------------------- landing in the middle

    @Test
    void offlineRunLandsInTheImageThatAlreadyHoldsMost() {
        // V.2 holds 5 clusters nothing above overwrites: commit V.3 into V.2 (1), pull V.1 into V.2 (1).
        Fixture f = Fixture.linear(SHUT_OFF, new int[][] {{0}, {1}, {2, 3, 4, 5, 6}, {7}, {}});
        Plan p = f.plan(Intent.Delete.of("S1", "S2"));
        assertEquals(List.of(
                new Step.OfflineCommit("vda", V3, V2, clusters(1), "/img"),
                new Step.OfflineRebase("vda", V4, V2, false, 0, null),
                new Step.Unlink("vda", V3),
                new Step.OfflineRebase("vda", V2, V, true, clusters(1), "/img"),
                new Step.Unlink("vda", V1)), jobs(p));
        assertEquals(Map.of("S0", V, "S3", V2), holders(p.after()));
        assertEquals(clusters(2), p.estimatedBytes());
        long[] s3 = f.tokens(V3);
        Run.apply(f, Intent.Delete.of("S1", "S2"));
        assertArrayEquals(s3, f.tokens(V2));
    }

    @Test
    void liveRunCanOnlyCommitIntoItsBottomWhenTheTopIsNotActive() {
        Fixture f = Fixture.linear(RUNNING, new int[][] {{0}, {1}, {2, 3, 4, 5, 6}, {7}, {}});
        Plan p = f.plan(Intent.Delete.of("S1", "S2"));
        assertEquals(List.of(
                new Step.BlockCommit("vda", V3, V1, false, clusters(6), "/img", List.of(V4, V1, V)),
                new Step.Unlink("vda", V3),
                new Step.Unlink("vda", V2)), jobs(p));
        Run.apply(f, Intent.Delete.of("S1", "S2"));
    }

    @Test
    void liveRunUnderTheActiveImageActiveCommitsThenPullsIntoTheNewActive() {
        Fixture f = Fixture.linear(RUNNING, new int[][] {{0}, {1}, {2, 3, 4, 5, 6}, {7}});
        Plan p = f.plan(Intent.Delete.of("S1", "S2"));
        List<String> afterPivot = List.of(V2, V1, V);
        assertEquals(List.of(
                new Step.BlockCommit("vda", V3, V2, true, clusters(1), "/img", afterPivot),
                new Step.Pivot("vda", V2, afterPivot),
                new Step.Unlink("vda", V3),
                new Step.BlockPull("vda", V2, V, clusters(1), "/img", List.of(V2, V)),
                new Step.Unlink("vda", V1)), jobs(p));
        assertEquals(V2, p.after().requireDisk("vda").active());
        Run.apply(f, Intent.Delete.of("S1", "S2"));
    }

    // ---------------------------------------------------------------- branches, tombstones

    /** Design chain, reverted to S1: V.1 has two children, V.2 (S2) and the new active V.4.qcow2. */
    static Fixture reverted(DomainState state) {
        Fixture f = Fixture.design(SHUT_OFF);
        Run.apply(f, new Intent.Revert("S1", false));
        if (state == RUNNING) {
            f.sim.activate(f.ledger.requireDisk("vda").active());
            f.state = RUNNING;
        }
        return f;
    }

    @Test
    void deletingABranchPointPullsIntoTheOtherBranchAndCommitsTheRest() {
        for (DomainState state : DomainState.values()) {
            Fixture f = reverted(state);
            String active = f.ledger.requireDisk("vda").active();
            assertEquals(img("V.4.qcow2"), active);
            Plan p = f.plan(Intent.Delete.of("S1"));
            List<Step> expected = new ArrayList<>();
            expected.add(new Step.OfflineRebase("vda", V2, V, true, clusters(1), "/img"));
            if (state == RUNNING) {
                expected.add(new Step.BlockCommit("vda", active, V1, true, 0, "/img", List.of(V1, V)));
                expected.add(new Step.Pivot("vda", V1, List.of(V1, V)));
            } else {
                expected.add(new Step.OfflineCommit("vda", active, V1, 0, "/img"));
                expected.add(new Step.SetDiskSource("vda", V1, List.of(V1, V)));
            }
            expected.add(new Step.Unlink("vda", active));
            assertEquals(expected, jobs(p), state.toString());
            assertEquals(V1, p.after().requireDisk("vda").active());
            Run.apply(f, Intent.Delete.of("S1"));
            assertArrayEquals(S2, f.tokens(V2));
            assertArrayEquals(S1, f.tokens(V1));
        }
    }

    /**
     * Two reverts on {@code V <- V.1 <- V.2^}: to S1 (pre1 keeps V.2, V.3 is new) and to S0 (pre2
     * keeps V.3, V.4 is active):
     * <pre>
     * V (S0: 0-3) <- V.1 (S1: 4) <- V.2 (pre1: 5)
     *                            <- V.3 (pre2)
     *             <- V.4^
     * </pre>
     */
    static Fixture revertedTwice(DomainState state) {
        Fixture f = Fixture.linear(SHUT_OFF, new int[][] {{0, 1, 2, 3}, {4}, {5}});
        Run.apply(f, new Intent.Revert("S1", false));
        Run.apply(f, new Intent.Revert("S0", false));
        if (state == RUNNING) {
            f.sim.activate(f.ledger.requireDisk("vda").active());
            f.state = RUNNING;
        }
        return f;
    }

    /**
     * Deleting S0 and S1 leaves three exits over two shared members. Letting one exit stay and the
     * others leave costs at least 10 clusters (V.4 lands in V, V.2 and V.3 each pull V and V.1).
     * Cheaper: V.2 leaves (5), V.3 lands in V.1, V.1 is cut loose from V by a pull (4) and V.4
     * lands in V: 9. The planner used to miss such plans on branching components.
     */
    @Test
    void sharedMembersCanEachTakeAnExitWhenOneIsCutLooseFromTheBase() {
        for (DomainState state : DomainState.values()) {
            Fixture f = revertedTwice(state);
            String v3 = img("V.3.qcow2");
            String v4 = img("V.4.qcow2");
            String pre1 = f.ledger.holdersOn("vda").get(V2);
            String pre2 = f.ledger.holdersOn("vda").get(v3);
            assertEquals(v4, f.ledger.requireDisk("vda").active());
            Plan p = Run.apply(f, Intent.Delete.of("S0", "S1"));
            assertEquals(clusters(9), p.estimatedBytes(), state + ": " + jobs(p));
            assertEquals(Map.of(pre1, V2, pre2, V1), holders(f.ledger), state.toString());
            assertEquals(V, f.ledger.requireDisk("vda").active());
            assertTrue(f.ledger.tombstones().isEmpty());
            assertShows(f, Map.of(pre1, new long[] {10, 10, 10, 10, 11, 12, 0, 0},
                    pre2, new long[] {10, 10, 10, 10, 11, 0, 0, 0}), new long[] {10, 10, 10, 10, 0, 0, 0, 0});
            assertEquals(List.of(V, V1, V2), f.sim.images().stream().toList(), "files left");
            assertTrue(!f.sim.exists(v3) && !f.sim.exists(v4));
        }
    }

    @Test
    void anImageUnderACloneBaseStaysAsATombstoneUntilTheCloneIsGone() {
        Fixture f = Fixture.design(RUNNING);
        Run.apply(f, new Intent.Clone("S1", "vm2", Map.of()));
        assertEquals(java.util.Set.of("vm2"), f.ledger.requireSnapshot("S1").protectedBy());

        Plan p = f.plan(Intent.Delete.of("S0"));
        assertEquals(List.of(), jobs(p));
        assertEquals(List.of(new Tombstone("vda", V, "S0",
                "under the base of clone(s) [vm2], which read it")), p.after().tombstones());
        Run.apply(f, Intent.Delete.of("S0"));

        // The clone is gone: an empty delete finishes the tombstone.
        f.sim.unlink(img("vm2.vda.qcow2"));
        f.ledger = f.ledger.withoutProtection("S1", "vm2");
        Plan gc = f.plan(Intent.Delete.of());
        assertEquals(List.of(
                new Step.BlockCommit("vda", V1, V, false, clusters(2), "/img", List.of(V3, V2, V)),
                new Step.Unlink("vda", V1)), jobs(gc));
        assertEquals(Map.of("S1", V, "S2", V2), holders(gc.after()));
        assertTrue(gc.after().tombstones().isEmpty());
        Run.apply(f, Intent.Delete.of());
        assertShows(f, Map.of("S1", S1, "S2", S2), LIVE);
    }

    @Test
    void aHolderWithoutDependantsIsJustUnlinked() {
        Fixture f = reverted(SHUT_OFF);
        String pre = f.ledger.snapshots().get(f.ledger.snapshots().size() - 1).name();
        assertEquals(V3, f.ledger.requireSnapshot(pre).holder("vda"));
        Plan p = f.plan(Intent.Delete.of(pre));
        assertEquals(List.of(new Step.Unlink("vda", V3)), jobs(p));
        assertEquals(0, p.estimatedBytes());
        Run.apply(f, Intent.Delete.of(pre));
    }
}
