package dev.virtchain.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtchain.libvirt.ChainVerdict.Intent;
import dev.virtchain.libvirt.ChainVerdict.Verdict;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.libvirt.event.BlockJobStatus;

/** The verdict table: what the chain after a job says about how it ended. */
class ChainVerdictTest {
    private static final Path V = Path.of("/images/web/v.qcow2");
    private static final Path V1 = Path.of("/images/web/v.1.qcow2");
    private static final Path V2 = Path.of("/images/web/v.2.qcow2");
    private static final Path V3 = Path.of("/images/web/v.3.qcow2");
    private static final Path V4 = Path.of("/images/web/v.4.qcow2");
    private static final Path COPY = Path.of("/images/web/v.copy.qcow2");
    private static final List<Path> BEFORE = List.of(V3, V2, V1, V);

    private static BlockJob job(BlockJobKind kind, List<Path> expected) {
        return new BlockJob("web", "vda", kind, BEFORE, expected, kind == BlockJobKind.COPY ? COPY : null, 0);
    }

    private static Verdict decide(BlockJob job, List<Path> after, Intent intent, boolean ready, BlockJobStatus event) {
        return ChainVerdict.decide(job, after, intent, ready, event);
    }

    @Test
    void everyRowOfTheDeletionTableIsCompletedWhenItsImagesAreGone() {
        assertEquals(BlockJobState.COMPLETED, decide(job(BlockJobKind.PULL, List.of(V3, V1, V)), List.of(V3, V1, V), Intent.NONE, false, null).state());
        assertEquals(BlockJobState.COMPLETED, decide(job(BlockJobKind.ACTIVE_COMMIT, List.of(V2, V1, V)), List.of(V2, V1, V), Intent.PIVOT, true, null).state());
        assertEquals(BlockJobState.COMPLETED, decide(job(BlockJobKind.COMMIT, List.of(V3, V1, V)), List.of(V3, V1, V), Intent.NONE, false, null).state());
        assertEquals(BlockJobState.COMPLETED, decide(job(BlockJobKind.COMMIT, List.of(V3, V2, V)), List.of(V3, V2, V), Intent.NONE, false, null).state());
        assertEquals(BlockJobState.COMPLETED, decide(job(BlockJobKind.COMMIT, List.of(V3, V)), List.of(V3, V), Intent.NONE, false, null).state());
    }

    @Test
    void anActiveCommitWhoseTopIsStillThereDidNotCompleteThoughTheRestMatches() {
        // [V2, V1, V] is a suffix of the chain before: only "V3 gone" tells completion apart.
        Verdict v = decide(job(BlockJobKind.ACTIVE_COMMIT, List.of(V2, V1, V)), BEFORE, Intent.ABORT, true, BlockJobStatus.CANCELED);
        assertEquals(BlockJobState.CANCELED, v.state());
    }

    @Test
    void anUnchangedChainIsFailedOrCanceledDependingOnWhoEndedIt() {
        BlockJob pull = job(BlockJobKind.PULL, List.of(V3, V1, V));
        assertEquals(BlockJobState.CANCELED, decide(pull, BEFORE, Intent.ABORT, false, null).state());
        assertEquals(BlockJobState.CANCELED, decide(pull, BEFORE, Intent.NONE, false, BlockJobStatus.CANCELED).state());
        assertEquals(BlockJobState.FAILED, decide(pull, BEFORE, Intent.NONE, false, BlockJobStatus.FAILED).state());
        Verdict silent = decide(pull, BEFORE, Intent.NONE, false, null);
        assertEquals(BlockJobState.FAILED, silent.state());
        assertFalse(silent.settled(), "with no event, the chain may not be updated yet: read again");
        Verdict contradiction = decide(pull, BEFORE, Intent.NONE, false, BlockJobStatus.COMPLETED);
        assertEquals(BlockJobState.CONCLUDED_UNKNOWN, contradiction.state());
    }

    @Test
    void aSnapshotStackedOnTopAfterTheJobDoesNotChangeTheVerdict() {
        BlockJob pull = job(BlockJobKind.PULL, List.of(V3, V1, V));
        assertEquals(BlockJobState.COMPLETED, decide(pull, List.of(V4, V3, V1, V), Intent.NONE, false, null).state());
    }

    @Test
    void aChainThatIsNeitherBeforeNorPromisedIsUnknown() {
        BlockJob commit = job(BlockJobKind.COMMIT, List.of(V3, V1, V));
        Verdict v = decide(commit, List.of(V3, V2, V), Intent.NONE, false, BlockJobStatus.COMPLETED);
        assertEquals(BlockJobState.CONCLUDED_UNKNOWN, v.state());
    }

    @Test
    void aCopyPivotedOrFinished() {
        BlockJob copy = job(BlockJobKind.COPY, List.of(COPY, V2, V1, V));
        assertEquals(BlockJobState.COMPLETED, decide(copy, List.of(COPY, V2, V1, V), Intent.PIVOT, true, BlockJobStatus.COMPLETED).state());
        // libvirt reports a READY copy ended without pivot as CANCELED (measured); it is what we asked for.
        assertEquals(BlockJobState.COMPLETED, decide(copy, BEFORE, Intent.FINISH, true, BlockJobStatus.CANCELED).state());
        assertEquals(BlockJobState.CANCELED, decide(copy, BEFORE, Intent.FINISH, false, BlockJobStatus.CANCELED).state());
        assertEquals(BlockJobState.CANCELED, decide(copy, BEFORE, Intent.ABORT, true, BlockJobStatus.CANCELED).state());
    }

    @Test
    void terminalStatesAreFinalAndTheMachineRefusesShortcuts() {
        for (BlockJobState s : BlockJobState.values()) {
            assertEquals(s.isTerminal(), s.successors().isEmpty(), s.name());
        }
        assertFalse(BlockJobState.RUNNING.canBecome(BlockJobState.PIVOTING), "pivot only from READY");
        assertFalse(BlockJobState.RUNNING.canBecome(BlockJobState.COMPLETED), "an outcome only after reading the chain");
        assertTrue(BlockJobState.PIVOTING.canBecome(BlockJobState.READY), "a refused pivot goes back to READY");
        assertEquals(EnumSet.of(BlockJobState.COMPLETED, BlockJobState.FAILED, BlockJobState.CANCELED,
                BlockJobState.CONCLUDED_UNKNOWN, BlockJobState.VANISHED), BlockJobState.CONCLUDING.successors());
        assertThrows(IllegalArgumentException.class,
                () -> new BlockJobOutcome(job(BlockJobKind.PULL, List.of(V3, V)), BlockJobState.RUNNING, List.of(), "x"));
    }
}
