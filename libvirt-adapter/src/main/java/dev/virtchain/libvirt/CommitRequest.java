package dev.virtchain.libvirt;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Commit {@code top} (and everything between it and {@code base}) into {@code base}. When {@code top}
 * is the active image this is an active commit: it becomes READY and is then pivoted to
 * {@code base} (or aborted). Paths as the domain XML shows them.
 *
 * @param bandwidthMiB speed limit in MiB/s, 0 = unlimited
 */
public record CommitRequest(String domain, String disk, Path top, Path base, long bandwidthMiB) {
    public CommitRequest {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(disk, "disk");
        Objects.requireNonNull(top, "top");
        Objects.requireNonNull(base, "base");
        if (bandwidthMiB < 0) {
            throw new IllegalArgumentException("bandwidth must be >= 0 MiB/s, was " + bandwidthMiB);
        }
    }
}
