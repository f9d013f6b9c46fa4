package dev.virtchain.daemon.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.virtchain.model.DomainId;
import dev.virtchain.model.ImageFormat;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.plan.QuiesceMode;
import dev.virtchain.model.plan.Step;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The crash points a step program has: where recovery must cope, kind by kind. */
class CrashPointTest {
    private static final List<String> C = List.of("/i/a.1", "/i/a");
    private static final Ledger L = Ledger.of(new DomainId("vm", "u"), List.of());

    private static List<String> labels(Step... steps) {
        return CrashPoint.program(List.of(steps)).stream().map(CrashPoint::toString).toList();
    }

    @Test
    void aDeleteByActiveCommitStopsAtItsRecordsItsJobItsPivotAndItsLedgerWrites() {
        assertEquals(List.of(
                        "after-record[step 1]", "after-ledger[step 1]",
                        "after-record[step 2]", "after-call[step 2]", "at-ready[step 2]", "after-step[step 2]",
                        "after-record[step 3]", "after-pivot[step 3]", "after-step[step 3]",
                        "after-record[step 4]", "after-ledger[step 4]",
                        "after-record[step 5]", "before-unlink[step 5]", "after-step[step 5]"),
                labels(new Step.UpdateLedger(L), new Step.BlockCommit("vda", "/i/a.1", "/i/a", true, 1, "/i", C),
                        new Step.Pivot("vda", "/i/a", C), new Step.UpdateLedger(L), new Step.Unlink("vda", "/i/a.1")));
    }

    @Test
    void everyStepKindHasItsInsidePoints() {
        List<Step> steps = List.of(
                new Step.CreateOverlay("vda", "/i/a.1", "/i/a", ImageFormat.QCOW2),
                new Step.TakeSnapshot("s", Map.of("vda", "/i/a.1"), QuiesceMode.NO, Map.of("vda", C)),
                new Step.BlockCommit("vda", "/i/a.1", "/i/a", false, 1, "/i", C),
                new Step.BlockPull("vda", "/i/a.1", null, 1, "/i", C),
                new Step.OfflineRebase("vda", "/i/a.1", "/i/a", true, 1, "/i"),
                new Step.OfflineCommit("vda", "/i/a.1", "/i/a", 1, "/i"),
                new Step.Convert("vda", "/i/a.1", "/e/x", 1),
                new Step.ConvertDiff("vda", "/i/a.1", "/i/a", "/e/y", 1),
                new Step.SetDiskSource("vda", "/i/a", C),
                new Step.StopDomain(0),
                new Step.StartDomain(),
                new Step.DefineClone("c", Map.of("vda", "/i/c"), null),
                new Step.CreateCopyTarget("vda", "/c/z", ImageFormat.QCOW2, null, null, "/i/a.1"),
                new Step.BlockCopy("vda", "/c/z", ImageFormat.QCOW2, false, 1),
                new Step.FinishCopy("vda", "/c/z", true, C),
                new Step.FinishCopy("vda", "/c/z", false, C));
        List<String> got = steps.stream().map(s -> s.getClass().getSimpleName() + " " + CrashPoint.inside(s)).toList();
        assertEquals(List.of(
                "CreateOverlay []",
                "TakeSnapshot []",
                "BlockCommit [AFTER_CALL]",
                "BlockPull [AFTER_CALL]",
                "OfflineRebase [AFTER_CALL]",
                "OfflineCommit [AFTER_CALL]",
                "Convert [EXPORT_CREATED, AFTER_CALL, EXPORT_CHECKED, EXPORT_LINKED]",
                "ConvertDiff [EXPORT_CREATED, AFTER_CALL, EXPORT_CHECKED, EXPORT_LINKED]",
                "SetDiskSource [AFTER_CALL]",
                "StopDomain []",
                "StartDomain []",
                "DefineClone [BEFORE_DEFINE_CLONE]",
                "CreateCopyTarget [AFTER_CALL]",
                "BlockCopy [AFTER_CALL, AT_READY]",
                "FinishCopy [AFTER_PIVOT]",
                "FinishCopy [AFTER_CALL]"), got);
        assertEquals("after-record", CrashPoint.Where.AFTER_RECORD.label());
    }
}
