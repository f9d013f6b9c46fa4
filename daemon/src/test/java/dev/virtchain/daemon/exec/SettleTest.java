package dev.virtchain.daemon.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtchain.daemon.ProgressSink;
import dev.virtchain.daemon.ledger.LedgerBook;
import dev.virtchain.daemon.ledger.StoredLedger;
import dev.virtchain.model.plan.Intent;
import dev.virtchain.model.plan.Step;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which way the executor settles a failed step: when nothing since the last ledger write moved a
 * chain it rolls the stretch back at once (record dropped, job aborted); when something did, it
 * keeps the record for recovery, which finishes the operation. The crash matrix checks that both
 * end well; this pins which one is taken.
 */
class SettleTest {

    @TempDir
    Path state;
    private OneDiskDomain vm;
    private SimHost host;
    private LedgerBook book;
    private String uuid;

    @BeforeEach
    void setUp() {
        vm = new OneDiskDomain(state, 2, 0);
        vm.snapshots(3);
        host = vm.host;
        uuid = vm.uuid;
    }

    private OperationRunner runner(CrashSite crash) {
        OperationRunner runner = vm.restart(crash);
        book = vm.book;
        return runner;
    }

    /** Fails the step of the given kind where the host has been asked. */
    private static CrashSite failAt(Class<? extends Step> kind, List<Step> steps) {
        return p -> {
            if (p.where() == CrashPoint.Where.AFTER_CALL && kind.isInstance(steps.get(p.step()))) {
                throw new StepFailed("vm", null, null, "injected failure at " + p, null);
            }
        };
    }

    private List<Step> plan(Intent intent) {
        return runner(CrashSite.NONE).run("vm", intent, new OperationRunner.Options(true, 0, false),
                ProgressSink.DISCARD).plan().steps();
    }

    @Test
    void aCommitThatFailsBeforeAnyChainMovedIsRolledBackAtOnceAndItsJobAborted() {
        List<Step> steps = plan(Intent.Delete.of("s2"));
        assertTrue(steps.get(1) instanceof Step.BlockCommit, steps.toString());
        OperationRunner runner = runner(failAt(Step.BlockCommit.class, steps));
        StepFailed e = assertThrows(StepFailed.class, () -> runner.run("vm", Intent.Delete.of("s2"),
                OperationRunner.Options.DEFAULT, ProgressSink.DISCARD));
        assertTrue(e.getMessage().contains("injected"), e.getMessage());

        StoredLedger after = book.byUuid(uuid).orElseThrow();
        assertTrue(after.operation().isEmpty(), "rolled back: no record left for recovery");
        assertFalse(after.ledger().snapshot("s2").isPresent(), "the first ledger write (s2 out of view) stands");
        assertFalse(after.ledger().tombstones().isEmpty(), "its image is a tombstone, its merge pending");
        assertEquals(Set.of(), host.jobs(), "the commit it started was aborted");
        assertEquals(after.ledger().activeChain("vda"), host.sim.chain(host.domain("vm").disks.get("vda")));
    }

    @Test
    void aStepThatFailsAfterAChainMovedLeavesTheRecordAndRecoveryFinishes() {
        Intent revert = new Intent.Revert("s1", true);
        List<Step> steps = plan(revert);
        assertTrue(steps.stream().anyMatch(s -> s instanceof Step.StopDomain), steps.toString());
        OperationRunner runner = runner(failAt(Step.SetDiskSource.class, steps));
        assertThrows(StepFailed.class, () -> runner.run("vm", revert, OperationRunner.Options.DEFAULT,
                ProgressSink.DISCARD));

        StoredLedger recorded = book.byUuid(uuid).orElseThrow();
        assertTrue(recorded.operation().isPresent(), "the domain was stopped: the record stays for recovery");
        OperationRunner recovery = runner(CrashSite.NONE);
        assertEquals(OperationRunner.Settled.COMPLETED, recovery.resume(book.byUuid(uuid).orElseThrow()));
        StoredLedger after = book.byUuid(uuid).orElseThrow();
        assertTrue(after.operation().isEmpty());
        assertEquals(after.ledger().activeChain("vda"), host.sim.chain(host.domain("vm").disks.get("vda")));
        assertTrue(host.domain("vm").running, "a forced revert starts the domain again");
    }
}
