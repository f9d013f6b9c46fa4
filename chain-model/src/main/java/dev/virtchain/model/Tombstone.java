package dev.virtchain.model;

import java.util.Objects;

/**
 * An image whose snapshot is gone from the user's view but whose file must stay, because other
 * images still depend on it in a way no plan could merge yet (for instance two branches after a
 * revert). A later plan merges it away once it can.
 *
 * @param disk     the disk whose tree holds the image
 * @param image    the image's path
 * @param snapshot the deleted snapshot whose holder this was
 * @param reason   why the file had to stay, for humans
 */
public record Tombstone(String disk, String image, String snapshot, String reason) {
    public Tombstone {
        Objects.requireNonNull(disk, "disk");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(snapshot, "snapshot");
        Objects.requireNonNull(reason, "reason");
    }
}
