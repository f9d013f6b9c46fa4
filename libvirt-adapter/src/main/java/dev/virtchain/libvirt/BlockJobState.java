package dev.virtchain.libvirt;

import java.util.EnumSet;
import java.util.Set;

/**
 * Where a watched block job is. A job ends in exactly one terminal state; which one is decided
 * from the disk's chain in the domain XML read after QEMU dropped the job, never from events or
 * from "no job" alone (libvirt reports a finished and a failed job the same way once it is gone).
 */
public enum BlockJobState {
    /** QEMU runs the job. */
    RUNNING,
    /** Source and destination are in sync (active commit, copy); waits for pivot, finish or abort. */
    READY,
    /** A pivot was issued. A refused pivot goes back to READY and is retried. */
    PIVOTING,
    /** An abort (or a copy's finish without pivot) was issued. */
    ABORTING,
    /** The job is gone from QEMU; the chain is being read to decide the outcome. */
    CONCLUDING,
    /** The chain is what the job promised. */
    COMPLETED,
    /** The job ended and the chain is as it was before: it did not happen. */
    FAILED,
    /** Aborted (by us or someone else) and the chain is as it was before. */
    CANCELED,
    /** Concluded, outcome unknown: the chain is neither as before nor as promised. Recovery must look. */
    CONCLUDED_UNKNOWN,
    /** The domain stopped or vanished while the job ran: only the image headers can tell what happened. */
    VANISHED;

    public boolean isTerminal() {
        return switch (this) {
            case COMPLETED, FAILED, CANCELED, CONCLUDED_UNKNOWN, VANISHED -> true;
            case RUNNING, READY, PIVOTING, ABORTING, CONCLUDING -> false;
        };
    }

    /** The allowed transitions; anything else is a bug in the watcher. */
    Set<BlockJobState> successors() {
        return switch (this) {
            case RUNNING -> EnumSet.of(READY, ABORTING, CONCLUDING, VANISHED);
            case READY -> EnumSet.of(PIVOTING, ABORTING, CONCLUDING, VANISHED);
            case PIVOTING -> EnumSet.of(READY, CONCLUDING, VANISHED);
            case ABORTING -> EnumSet.of(RUNNING, READY, CONCLUDING, VANISHED);
            case CONCLUDING -> EnumSet.of(COMPLETED, FAILED, CANCELED, CONCLUDED_UNKNOWN, VANISHED);
            case COMPLETED, FAILED, CANCELED, CONCLUDED_UNKNOWN, VANISHED -> EnumSet.noneOf(BlockJobState.class);
        };
    }

    boolean canBecome(BlockJobState next) {
        return successors().contains(next);
    }
}
