package dev.virtchain.model.plan;

import static dev.virtchain.model.plan.DeleteTableTest.LIVE;
import static dev.virtchain.model.plan.DeleteTableTest.S1;
import static dev.virtchain.model.plan.DeleteTableTest.S2;
import static dev.virtchain.model.plan.DeleteTableTest.V;
import static dev.virtchain.model.plan.DeleteTableTest.V1;
import static dev.virtchain.model.plan.DeleteTableTest.V2;
import static dev.virtchain.model.plan.DeleteTableTest.V3;
import static dev.virtchain.model.plan.DeleteTableTest.jobs;
import static dev.virtchain.model.plan.DomainState.RUNNING;
import static dev.virtchain.model.plan.DomainState.SHUT_OFF;
import static dev.virtchain.model.plan.Fixture.clusters;
import static dev.virtchain.model.plan.Fixture.img;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtchain.model.Consistency;
import dev.virtchain.model.ImageFormat;
import dev.virtchain.model.Origin;
import dev.virtchain.model.Snapshot;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Create, revert, clone, flatten and export on the design chain. */
class OtherIntentsTest {
    static final String V4 = img("V.4.qcow2");

    @Test
    void createPutsFreshOverlaysOnTheActiveImagesAndFreezesThem() {
        Fixture f = Fixture.design(RUNNING);
        Plan p = f.plan(new Intent.Create("S3", Set.of(), QuiesceMode.AUTO, "before upgrade", Origin.policy("hourly")));
        List<String> chain = List.of(V4, V3, V2, V1, V);
        assertEquals(List.of(
                new Step.CreateOverlay("vda", V4, V3, ImageFormat.QCOW2),
                new Step.TakeSnapshot("S3", Map.of("vda", V4), QuiesceMode.AUTO, Map.of("vda", chain))), jobs(p));
        Snapshot s3 = p.after().requireSnapshot("S3");
        assertEquals(Map.of("vda", V3), s3.holders());
        assertEquals("S2", s3.parent());
        assertEquals(Fixture.T0, s3.created());
        assertEquals(Consistency.CRASH, s3.consistency(), "AUTO records crash until the executor knows better");
        assertEquals(Origin.policy("hourly"), s3.origin());
        assertEquals("S3", p.after().current());
        assertEquals(V4, p.after().requireDisk("vda").active());
        assertEquals(5, p.after().nextImageSeq());
        assertEquals(0, p.estimatedBytes());
        assertTrue(p.steps().get(p.steps().size() - 1) instanceof Step.UpdateLedger);
        Run.apply(f, new Intent.Create("S3", Set.of(), QuiesceMode.AUTO, null, Origin.manual()));
        assertArrayEquals(LIVE, f.tokens(V3));
    }

    @Test
    void overlayNamesAreNeverReused() {
        Fixture f = Fixture.design(SHUT_OFF);
        Run.apply(f, Intent.Create.of("S3"));
        Run.apply(f, Intent.Delete.of("S3")); // V.4.qcow2 (the active) is committed into V.3 or pulls it
        Plan p = f.plan(Intent.Create.of("S4"));
        Step.CreateOverlay c = (Step.CreateOverlay) jobs(p).get(0);
        assertEquals(img("V.5.qcow2"), c.path());
    }

    @Test
    void revertKeepsTheCurrentStateAndBranchesFromTheSnapshot() {
        Fixture f = Fixture.design(RUNNING);
        Plan p = f.plan(new Intent.Revert("S1", true));
        String pre = "pre-revert-S1-20250102-030405";
        assertEquals(List.of(
                new Step.StopDomain(),
                new Step.CreateOverlay("vda", V4, V1, ImageFormat.QCOW2),
                new Step.SetDiskSource("vda", V4, List.of(V4, V1, V)),
                new Step.StartDomain()), jobs(p));
        Snapshot kept = p.after().requireSnapshot(pre);
        assertEquals(Map.of("vda", V3), kept.holders());
        assertEquals("S2", kept.parent());
        assertEquals(Origin.manual(), kept.origin());
        assertEquals("S1", p.after().current());
        Run.apply(f, new Intent.Revert("S1", true));
        assertEquals(RUNNING, f.state);
        assertArrayEquals(S1, f.tokens(V4));
        assertArrayEquals(LIVE, f.tokens(V3));
        // Reverting again in the same second gets a distinct name.
        Plan again = f.plan(new Intent.Revert("S1", true));
        assertTrue(again.after().snapshot(pre + "-2").isPresent());
    }

    @Test
    void aRevertWithShutdownStopsTheGuestCleanlyAndKeepsAQuiescedState() {
        Fixture f = Fixture.design(RUNNING);
        Plan p = f.plan(new Intent.Revert("S1", false, 60));
        assertEquals(new Step.StopDomain(60), jobs(p).get(0));
        assertTrue(((Step.StopDomain) jobs(p).get(0)).graceful());
        assertEquals(new Step.StartDomain(), jobs(p).get(jobs(p).size() - 1));
        Snapshot kept = p.after().requireSnapshot("pre-revert-S1-20250102-030405");
        assertEquals(Consistency.QUIESCED, kept.consistency(), "a guest that shut down cleanly is consistent");
        assertEquals("state before reverting to S1 (shut down cleanly)", kept.description());
        Snapshot forced = f.plan(new Intent.Revert("S1", true)).after().requireSnapshot("pre-revert-S1-20250102-030405");
        assertEquals(Consistency.CRASH, forced.consistency(), "a guest stopped hard is not");
        Run.apply(f, new Intent.Revert("S1", false, 60));
        assertEquals(RUNNING, f.state);
        assertArrayEquals(LIVE, f.tokens(V3));
    }

    @Test
    void cloneProtectsTheSnapshotAndPutsThinOverlaysOnItsHolders() {
        Fixture f = Fixture.design(RUNNING);
        Plan p = f.plan(new Intent.Clone("S1", "vm2", Map.of()));
        assertEquals(List.of(
                new Step.CreateOverlay("vda", img("vm2.vda.qcow2"), V1, ImageFormat.QCOW2),
                new Step.DefineClone("vm2", Map.of("vda", img("vm2.vda.qcow2")))), jobs(p));
        assertTrue(p.steps().get(0) instanceof Step.UpdateLedger, "protection is recorded before the clone exists");
        assertEquals(Set.of("vm2"), p.after().requireSnapshot("S1").protectedBy());
        Plan q = f.plan(new Intent.Clone("S1", "vm3", Map.of("vda", "/other/vm3.qcow2")));
        assertEquals(new Step.CreateOverlay("vda", "/other/vm3.qcow2", V1, ImageFormat.QCOW2), jobs(q).get(0));
    }

    @Test
    void flattenPullsEverythingIntoTheActiveImageAndKeepsHolders() {
        for (DomainState state : DomainState.values()) {
            Fixture f = Fixture.design(state);
            Plan p = f.plan(new Intent.Flatten("vda"));
            long cost = clusters(4); // clusters 0, 1, 2, 4 come from below V.3
            Step expected = state == RUNNING
                    ? new Step.BlockPull("vda", V3, null, cost, "/img", List.of(V3))
                    : new Step.OfflineRebase("vda", V3, null, true, cost, "/img");
            assertEquals(List.of(expected), jobs(p));
            assertEquals(Map.of("S0", V, "S1", V1, "S2", V2), DeleteTableTest.holders(p.after()));
            Run.apply(f, new Intent.Flatten("vda"));
            assertArrayEquals(LIVE, f.tokens(V3));
            assertArrayEquals(S2, f.tokens(V2));
            assertTrue(f.plan(new Intent.Flatten("vda")).isEmpty(), "flat already");
        }
    }

    @Test
    void flattenReleasesABaseNoPointInTimeNeeds() {
        Fixture f = Fixture.linear(SHUT_OFF, new int[][] {{0, 1}, {2}});
        f.ledger = f.ledger.withoutSnapshot("S0"); // a template base nobody's snapshot holds
        f.ledger.requireValid();
        Plan p = f.plan(new Intent.Flatten("vda"));
        assertEquals(List.of(V), p.released());
        assertEquals(List.of(), p.unlinks());
        assertEquals(List.of(V1), p.after().activeChain("vda"));
    }

    @Test
    void exportsReadHoldersAndChangeNothing() {
        Fixture f = Fixture.design(RUNNING);
        Plan full = f.plan(new Intent.Export("S1", Map.of("vda", "/out/s1.qcow2")));
        assertEquals(List.of(new Step.Convert("vda", V1, "/out/s1.qcow2", clusters(5))), full.steps());
        assertEquals(f.ledger, full.after());
        assertEquals(Map.of("/out", clusters(5)), full.bytesByDirectory());
        Plan diff = f.plan(new Intent.ExportDiff("S0", "S2", Map.of("vda", "/out/d.qcow2")));
        assertEquals(List.of(new Step.ConvertDiff("vda", V2, V, "/out/d.qcow2", clusters(4))), diff.steps());
        Run.apply(f, new Intent.Export("S1", Map.of("vda", "/out/s1.qcow2")));
        Run.apply(f, new Intent.ExportDiff("S0", "S2", Map.of("vda", "/out/d.qcow2")));
        assertArrayEquals(S1, f.tokens("/out/s1.qcow2"));
        assertArrayEquals(S2, f.tokens("/out/d.qcow2"));
    }

    @Test
    void stepsRecogniseFromObservedChainsThatTheyHappened() {
        Fixture f = Fixture.design(RUNNING);
        Plan p = f.plan(Intent.Delete.of("S2"));
        Step pull = jobs(p).get(0);
        assertTrue(!pull.done(ObservedChains.of(f.ledger)));
        assertTrue(pull.done(ObservedChains.of(p.after())));
        Step unlink = jobs(p).get(1);
        assertTrue(unlink.done(new ObservedChains(Map.of(), Map.of(), Set.of(V2))));
        assertTrue(!new Step.UpdateLedger(p.after()).done(ObservedChains.of(p.after())), "not observable");
    }

    @Test
    void aShallowCopyWithPivotReplacesOnlyTheActiveImageAndKeepsEveryHolder() {
        Fixture f = Fixture.design(RUNNING);
        String dest = "/copies/web.qcow2";
        Plan p = f.plan(new Intent.BlockCopy("vda", dest, true, ImageFormat.QCOW2, true));
        List<String> after = List.of(dest, V2, V1, V);
        assertEquals(List.of(
                new Step.CreateCopyTarget("vda", dest, ImageFormat.QCOW2, V2, ImageFormat.QCOW2, V3),
                new Step.BlockCopy("vda", dest, ImageFormat.QCOW2, true, f.facts().allocatedBytes(V3)),
                new Step.FinishCopy("vda", dest, true, after), new Step.Unlink("vda", V3)), jobs(p));
        assertEquals(after, p.after().activeChain("vda"));
        assertEquals(List.of(V3), p.unlinks(), "the old active image holds nothing the copy does not");
        assertTrue(p.steps().get(3) instanceof Step.UpdateLedger && p.steps().get(4) instanceof Step.Unlink,
                "removed only once the ledger no longer names it");
        assertEquals(Map.of("S0", V, "S1", V1, "S2", V2), DeleteTableTest.holders(p.after()));
        Run.apply(f, new Intent.BlockCopy("vda", dest, true, ImageFormat.QCOW2, true));
        assertArrayEquals(LIVE, f.tokens(dest));
        assertArrayEquals(S2, f.tokens(V2));
    }

    @Test
    void aCopyWithoutPivotLeavesTheLedgerAlone() {
        Fixture f = Fixture.design(RUNNING);
        Plan p = f.plan(new Intent.BlockCopy("vda", "/copies/full.img", false, ImageFormat.RAW, false));
        assertEquals(List.of(
                new Step.CreateCopyTarget("vda", "/copies/full.img", ImageFormat.RAW, null, null, V3),
                new Step.BlockCopy("vda", "/copies/full.img", ImageFormat.RAW, false,
                        f.facts().allocatedBytes(V3) + f.facts().bytesPullWouldCopy(V3, null)),
                new Step.FinishCopy("vda", "/copies/full.img", false, List.of(V3, V2, V1, V))), p.steps());
        assertEquals(f.ledger, p.after());
        assertEquals(Map.of("/copies", p.estimatedBytes()), p.bytesByDirectory(), "the space check looks at DEST's directory");
        Run.apply(f, new Intent.BlockCopy("vda", "/copies/full.img", false, ImageFormat.RAW, false));
        assertArrayEquals(LIVE, f.tokens("/copies/full.img"));
    }

    @Test
    void aBlockCopyIsRefusedWhereTheLedgerCouldNotFollow() {
        Fixture f = Fixture.design(RUNNING);
        var fullPivot = org.junit.jupiter.api.Assertions.assertThrows(dev.virtchain.model.Refused.class,
                () -> f.plan(new Intent.BlockCopy("vda", "/copies/x.qcow2", false, ImageFormat.QCOW2, true)));
        assertTrue(fullPivot.getMessage().contains("holds snapshots S0, S1, S2"), fullPivot.getMessage());
        var rawShallow = org.junit.jupiter.api.Assertions.assertThrows(dev.virtchain.model.Refused.class,
                () -> f.plan(new Intent.BlockCopy("vda", "/copies/x.img", true, ImageFormat.RAW, false)));
        assertTrue(rawShallow.getMessage().contains("must be qcow2"), rawShallow.getMessage());
        var onItself = org.junit.jupiter.api.Assertions.assertThrows(dev.virtchain.model.Refused.class,
                () -> f.plan(new Intent.BlockCopy("vda", V1, true, ImageFormat.QCOW2, false)));
        assertTrue(onItself.getMessage().contains("is an image of"), onItself.getMessage());
        Fixture off = Fixture.design(SHUT_OFF);
        var shutOff = org.junit.jupiter.api.Assertions.assertThrows(dev.virtchain.model.Refused.class,
                () -> off.plan(new Intent.BlockCopy("vda", "/copies/x.qcow2", true, ImageFormat.QCOW2, false)));
        assertTrue(shutOff.getMessage().contains("is shut off"), shutOff.getMessage());
    }
}
