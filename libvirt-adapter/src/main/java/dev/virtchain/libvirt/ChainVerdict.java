package dev.virtchain.libvirt;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.libvirt.event.BlockJobStatus;

/**
 * Decides how a block job ended from the chain the domain XML shows after it, plus what virtchain
 * asked for. Pure: no libvirt, so every case is unit-tested.
 *
 * <p>The chain is the truth. Events can be lost (across a reconnect) or stale (from the previous
 * job on the disk), and libvirt reports "no job" both for a job that completed and one that
 * failed. Images stacked on top after the job (a snapshot taken right after it) do not change the
 * verdict, so chains are compared by their lower part.
 */
final class ChainVerdict {
    /** What virtchain asked the job to do at its end. */
    enum Intent {
        /** Nothing: the job ends by itself (pull, commit) or someone else ends it. */
        NONE,
        /** Pivot to the new top (active commit, copy). */
        PIVOT,
        /** End a READY copy without pivoting: the destination keeps a consistent copy. */
        FINISH,
        /** Cancel. */
        ABORT
    }

    /**
     * @param settled false when the chain may simply not be updated yet (unchanged, and neither an
     *                event nor our own request explains it): the watcher reads it again before
     *                believing it
     */
    record Verdict(BlockJobState state, String reason, boolean settled) {}

    private ChainVerdict() {}

    static Verdict decide(BlockJob job, List<Path> after, Intent intent, boolean wasReady, BlockJobStatus lastEvent) {
        List<Path> before = job.chainBefore();
        boolean unchanged = endsWith(after, before);
        if (job.kind() == BlockJobKind.COPY && intent == Intent.FINISH) {
            if (unchanged && wasReady && lastEvent != BlockJobStatus.FAILED) {
                return new Verdict(BlockJobState.COMPLETED,
                        "copy finished without pivot; " + job.destination() + " holds a consistent copy", true);
            }
            if (unchanged) {
                return new Verdict(BlockJobState.CANCELED, "copy ended before it was READY; the destination is incomplete", true);
            }
        }
        List<Path> removed = job.removedImages();
        boolean done = !removed.isEmpty() && endsWith(after, job.expectedChain()) && disjoint(after, removed);
        if (done) {
            String how = intent == Intent.ABORT ? " (it finished before the abort took effect)" : "";
            return new Verdict(BlockJobState.COMPLETED, "chain is as promised: " + removed + " gone" + how, true);
        }
        if (unchanged) {
            if (intent == Intent.ABORT || intent == Intent.FINISH) {
                return new Verdict(BlockJobState.CANCELED, "aborted as asked; chain unchanged", true);
            }
            if (lastEvent == BlockJobStatus.CANCELED) {
                return new Verdict(BlockJobState.CANCELED, "aborted by someone else; chain unchanged", true);
            }
            if (lastEvent == BlockJobStatus.FAILED) {
                return new Verdict(BlockJobState.FAILED, "libvirt reported the job failed; chain unchanged", true);
            }
            if (lastEvent == BlockJobStatus.COMPLETED) {
                return new Verdict(BlockJobState.CONCLUDED_UNKNOWN,
                        "libvirt reported completion but the chain still holds " + removed, false);
            }
            return new Verdict(BlockJobState.FAILED, "the job is gone and the chain is unchanged", false);
        }
        return new Verdict(BlockJobState.CONCLUDED_UNKNOWN,
                "chain " + after + " is neither the one before " + before + " nor the promised " + job.expectedChain(), false);
    }

    /** True when {@code chain} ends with {@code tail} (the bottom of a chain is its end). */
    static boolean endsWith(List<Path> chain, List<Path> tail) {
        if (tail.size() > chain.size()) {
            return false;
        }
        return chain.subList(chain.size() - tail.size(), chain.size()).equals(tail);
    }

    private static boolean disjoint(List<Path> a, List<Path> b) {
        List<Path> common = new ArrayList<>(a);
        common.retainAll(b);
        return common.isEmpty();
    }
}
