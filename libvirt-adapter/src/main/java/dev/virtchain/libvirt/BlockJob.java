package dev.virtchain.libvirt;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One block job as virtchain started it: what runs, on which disk, and what the disk's chain must
 * look like once it succeeded. Plain data, so the daemon can journal it and watch the job again
 * after a restart ({@link LibvirtHost#watch}).
 *
 * @param chainBefore   the disk's chain (active image first) when the job started
 * @param expectedChain the chain after success, after the pivot for jobs with a READY phase
 * @param destination   the copy's destination; {@code null} for other kinds
 * @param bandwidthMiB  the speed limit it was started with, MiB/s; 0 = unlimited
 */
public record BlockJob(String domain, String disk, BlockJobKind kind, List<Path> chainBefore,
                       List<Path> expectedChain, Path destination, long bandwidthMiB) {
    public BlockJob {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(disk, "disk");
        Objects.requireNonNull(kind, "kind");
        chainBefore = List.copyOf(chainBefore);
        expectedChain = List.copyOf(expectedChain);
        if ((kind == BlockJobKind.COPY) != (destination != null)) {
            throw new IllegalArgumentException("a copy, and only a copy, has a destination; " + kind + " had " + destination);
        }
        if (bandwidthMiB < 0) {
            throw new IllegalArgumentException("bandwidth must be >= 0 MiB/s, was " + bandwidthMiB);
        }
    }

    /**
     * A copy of the disk whose chain is {@code live} (active image first) to {@code destination}:
     * a pivot leaves the destination alone, or with {@code shallow} the destination on what was
     * below the active image. The one rule for a copy's promise, at its start and when it is
     * watched again after a restart.
     */
    public static BlockJob copy(String domain, String disk, List<Path> live, Path destination, boolean shallow,
                                long bandwidthMiB) {
        List<Path> pivoted = new ArrayList<>(List.of(destination));
        if (shallow && !live.isEmpty()) {
            pivoted.addAll(live.subList(1, live.size()));
        }
        return new BlockJob(domain, disk, BlockJobKind.COPY, live, pivoted, destination, bandwidthMiB);
    }

    /** Images on the chain before that must be gone from it after success. */
    public List<Path> removedImages() {
        List<Path> removed = new ArrayList<>(chainBefore);
        removed.removeAll(expectedChain);
        return removed;
    }

    Involved involved() {
        return Involved.domain(domain).disk(disk);
    }

    @Override
    public String toString() {
        return kind + " on " + domain + "/" + disk;
    }
}
