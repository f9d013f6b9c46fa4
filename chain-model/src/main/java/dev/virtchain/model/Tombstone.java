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
    /**
     * The reason of a tombstone whose merge a plan has recorded but not done yet: a plan cut short
     * (a crash, a failed block job) leaves it, and the next deletion on the domain finishes it.
     */
    public static final String MERGE_PENDING = "merge pending";

    public Tombstone {
        Objects.requireNonNull(disk, "disk");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(snapshot, "snapshot");
        Objects.requireNonNull(reason, "reason");
    }

    /** Whether only a plan that has not run yet keeps this image, not a dependant that needs it. */
    public boolean mergePending() {
        return MERGE_PENDING.equals(reason);
    }
}
