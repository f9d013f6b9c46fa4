package dev.virtchain.libvirt;

import java.nio.file.Path;
import java.util.Map;

/**
 * A snapshot taken.
 *
 * @param holders  disk → the image that now holds the point in time (the previously active image)
 * @param overlays disk → the new active image
 */
public record SnapshotResult(String domain, Map<String, Path> holders, Map<String, Path> overlays,
                             Consistency consistency) {
    public SnapshotResult {
        holders = Map.copyOf(holders);
        overlays = Map.copyOf(overlays);
    }
}
