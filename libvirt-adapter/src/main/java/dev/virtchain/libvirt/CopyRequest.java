package dev.virtchain.libvirt;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Copy a disk to {@code destination} (blockCopy). {@code shallow} copies only the active image, the
 * destination then sharing its backing chain; otherwise the whole chain is flattened into it. With
 * {@code reuseExisting} the destination was pre-created (with a relative backing name for a
 * shallow copy); otherwise libvirt creates it. The job becomes READY and is then pivoted or finished.
 *
 * @param format       the destination's format ({@code qcow2}, {@code raw})
 * @param bandwidthMiB speed limit in MiB/s, 0 = unlimited
 */
public record CopyRequest(String domain, String disk, Path destination, String format, boolean shallow,
                          boolean reuseExisting, long bandwidthMiB) {
    public CopyRequest {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(disk, "disk");
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(format, "format");
        if (bandwidthMiB < 0) {
            throw new IllegalArgumentException("bandwidth must be >= 0 MiB/s, was " + bandwidthMiB);
        }
    }
}
