package dev.virtchain.libvirt;

import java.nio.file.Path;
import java.util.Map;

/**
 * A snapshot taken.
 *
 * @param holders  disk → the image that now holds the point in time (the previously active image)
 * @param overlays disk → the new active image
 * @param note     why a quiesce asked for (AUTO) was not had, in the user's words; null otherwise
 */
public record SnapshotResult(String domain, Map<String, Path> holders, Map<String, Path> overlays,
                             Consistency consistency, String note) {
    public SnapshotResult(String domain, Map<String, Path> holders, Map<String, Path> overlays, Consistency consistency) {
        this(domain, holders, overlays, consistency, null);
    }

    public SnapshotResult {
        holders = Map.copyOf(holders);
        overlays = Map.copyOf(overlays);
    }
}
