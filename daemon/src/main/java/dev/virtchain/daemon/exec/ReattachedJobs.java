package dev.virtchain.daemon.exec;

import dev.virtchain.libvirt.BlockJob;
import dev.virtchain.libvirt.BlockJobKind;
import dev.virtchain.model.plan.Step;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The block job a step started, as it is watched again after a daemon restart: QEMU may still run
 * it, and its watcher must promise the chain the step promised. Recovery asks for the job of the
 * step a crash interrupted; the pivot and finish steps ask for the job they end when no watcher
 * survived. One place, so the two never promise different chains.
 */
final class ReattachedJobs {
    private ReattachedJobs() {}

    /**
     * The job {@code step} runs on {@code domain}, whose disk has the chain {@code live} (active
     * image first) now; empty for a step that runs no block job.
     */
    static Optional<BlockJob> of(String domain, Step step, List<String> live, long bandwidthMiB) {
        List<Path> before = paths(live);
        if (step instanceof Step.BlockCommit c) {
            return Optional.of(new BlockJob(domain, c.disk(), c.active() ? BlockJobKind.ACTIVE_COMMIT
                    : BlockJobKind.COMMIT, before, paths(c.chainAfter()), null, bandwidthMiB));
        } else if (step instanceof Step.Pivot p) {
            // the active commit whose READY job this step pivots
            return Optional.of(new BlockJob(domain, p.disk(), BlockJobKind.ACTIVE_COMMIT, before,
                    paths(p.chainAfter()), null, bandwidthMiB));
        } else if (step instanceof Step.BlockPull p) {
            return Optional.of(new BlockJob(domain, p.disk(), BlockJobKind.PULL, before, paths(p.chainAfter()), null,
                    bandwidthMiB));
        } else if (step instanceof Step.BlockCopy c) {
            return Optional.of(BlockJob.copy(domain, c.disk(), before, Path.of(c.dest()), c.shallow(), bandwidthMiB));
        } else if (step instanceof Step.FinishCopy f) {
            // the copy this step pivots or finishes: a pivot leaves what the plan says; without
            // one the chain stays as it is
            List<Path> after = f.pivot() ? paths(f.chainAfter()) : before;
            return Optional.of(new BlockJob(domain, f.disk(), BlockJobKind.COPY, before, after, Path.of(f.dest()),
                    bandwidthMiB));
        }
        return Optional.empty();
    }

    private static List<Path> paths(List<String> chain) {
        return chain == null ? List.of() : chain.stream().map(Path::of).toList();
    }
}
