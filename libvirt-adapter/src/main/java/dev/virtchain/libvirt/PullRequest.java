package dev.virtchain.libvirt;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Pull the data of every image between the active image and {@code base} into the active image
 * (blockRebase), dropping those images from the chain; {@code base == null} pulls the whole chain
 * (flatten). libvirt pulls only into the active image.
 *
 * @param bandwidthMiB speed limit in MiB/s, 0 = unlimited
 */
public record PullRequest(String domain, String disk, Path base, long bandwidthMiB) {
    public PullRequest {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(disk, "disk");
        if (bandwidthMiB < 0) {
            throw new IllegalArgumentException("bandwidth must be >= 0 MiB/s, was " + bandwidthMiB);
        }
    }
}
