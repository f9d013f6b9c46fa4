package dev.virtchain.model.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.virtchain.model.DomainId;
import dev.virtchain.model.ImageFormat;
import dev.virtchain.model.Ledger;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** What the executor reads from a step's traits, kind by kind: rollbacks and the byte counts depend on it. */
class StepTraitsTest {
    private static final List<String> C = List.of("/i/a.1", "/i/a");

    static List<Step> oneOfEach() {
        return List.of(
                new Step.CreateOverlay("vda", "/i/a.1", "/i/a", ImageFormat.QCOW2),
                new Step.TakeSnapshot("s", Map.of("vda", "/i/a.1"), QuiesceMode.NO, Map.of("vda", C)),
                new Step.BlockCommit("vda", "/i/a.1", "/i/a", false, 1, "/i", C),
                new Step.BlockCommit("vda", "/i/a.1", "/i/a", true, 1, "/i", C),
                new Step.Pivot("vda", "/i/a", C),
                new Step.BlockPull("vda", "/i/a.1", null, 1, "/i", C),
                new Step.OfflineRebase("vda", "/i/a.1", "/i/a", true, 1, "/i"),
                new Step.OfflineCommit("vda", "/i/a.1", "/i/a", 1, "/i"),
                new Step.Convert("vda", "/i/a.1", "/e/x", 1),
                new Step.ConvertDiff("vda", "/i/a.1", "/i/a", "/e/y", 1),
                new Step.SetDiskSource("vda", "/i/a", C),
                new Step.StopDomain(0),
                new Step.StartDomain(),
                new Step.DefineClone("c", Map.of("vda", "/i/c"), null),
                new Step.Unlink("vda", "/i/a.1"),
                new Step.UpdateLedger(Ledger.of(new DomainId("vm", "u"), List.of())),
                new Step.CreateCopyTarget("vda", "/c/z", ImageFormat.QCOW2, null, null, "/i/a.1"),
                new Step.BlockCopy("vda", "/c/z", ImageFormat.QCOW2, false, 1),
                new Step.FinishCopy("vda", "/c/z", true, C),
                new Step.FinishCopy("vda", "/c/z", false, C));
    }

    @Test
    void theFilesStepsCreateTheChainsTheyMoveAndTheMergesTheyAre() {
        Map<String, String> creates = new TreeMap<>();
        Map<String, String> merges = new TreeMap<>();
        Map<String, String> jobs = new TreeMap<>();
        List<String> leaveChains = new java.util.ArrayList<>();
        for (Step s : oneOfEach()) {
            String name = s.getClass().getSimpleName() + (s instanceof Step.BlockCommit c && c.active() ? "(active)"
                    : s instanceof Step.FinishCopy f && f.pivot() ? "(pivot)" : "");
            s.traits().creates().ifPresent(f -> creates.put(name, f));
            s.traits().merge().ifPresent(m -> merges.put(name, m));
            s.traits().job().ifPresent(j -> jobs.put(name, j));
            if (!s.traits().movesChains()) {
                leaveChains.add(name);
            }
        }
        assertEquals(Map.of("CreateOverlay", "/i/a.1", "Convert", "/e/x", "ConvertDiff", "/e/y", "CreateCopyTarget", "/c/z"),
                creates);
        assertEquals(Map.of("BlockCommit", "commit", "BlockCommit(active)", "active-commit", "BlockPull", "pull",
                "OfflineRebase", "offline-rebase", "OfflineCommit", "offline-commit"), merges);
        assertEquals(Map.of("BlockCommit", "commit", "BlockCommit(active)", "active-commit", "Pivot", "active-commit",
                "BlockPull", "pull", "BlockCopy", "copy", "FinishCopy(pivot)", "copy", "FinishCopy", "copy"), jobs,
                "the jobs a failed step may leave running");
        assertEquals(List.of("CreateOverlay", "Convert", "ConvertDiff", "Unlink", "CreateCopyTarget", "BlockCopy",
                "FinishCopy"), leaveChains);
        assertEquals(Optional.empty(), Optional.ofNullable(new Step.StartDomain().disk()));
    }
}
