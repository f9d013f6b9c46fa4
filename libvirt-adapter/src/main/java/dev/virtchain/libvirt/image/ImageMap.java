package dev.virtchain.libvirt.image;

import java.nio.file.Path;
import java.util.List;

/**
 * Where every guest byte of an image's chain lives ({@code qemu-img map --output=json -U}), and
 * the allocation facts the planner chooses merges by (DESIGN §2, "choose by cost").
 *
 * <p>Only as fresh as the files: for the <em>active</em> image of a running domain QEMU keeps
 * recent qcow2 metadata in memory until it flushes, so a map of it may miss recent writes. Take
 * the active layer's cost from libvirt's block info instead; holders were flushed when their
 * snapshot was taken and map truthfully.
 *
 * @param image   the mapped image (depth 0)
 * @param extents runs in ascending guest offset, covering the whole virtual size
 */
public record ImageMap(Path image, List<ImageExtent> extents) {

    public ImageMap {
        extents = List.copyOf(extents);
    }

    /**
     * What committing {@link #image} into its backing file writes: everything the image
     * allocates itself (depth 0), data and explicit zeroes alike.
     */
    public CopyCost commitCost() {
        CopyCost cost = CopyCost.NONE;
        for (ImageExtent e : extents) {
            if (e.depth() == 0 && e.present()) {
                cost = cost.plus(e);
            }
        }
        return cost;
    }

    /**
     * What pulling into {@link #image} writes when its new backing file is the image
     * {@code newBackingDepth} steps down its chain (1 = the current backing file: nothing to pull).
     * It copies what the layers strictly between them allocate and the image does not hide.
     * This is an upper bound: a safe {@code qemu-img rebase} skips runs whose content is equal.
     */
    public CopyCost pullCost(int newBackingDepth) {
        if (newBackingDepth < 1) {
            throw new IllegalArgumentException("the new backing file is at least 1 step down the chain of "
                    + image + ", not " + newBackingDepth);
        }
        return pulled(newBackingDepth);
    }

    /** What flattening {@link #image} writes: everything any backing layer allocates. */
    public CopyCost flattenCost() {
        return pulled(Integer.MAX_VALUE);
    }

    private CopyCost pulled(int belowDepth) {
        CopyCost cost = CopyCost.NONE;
        for (ImageExtent e : extents) {
            if (e.depth() >= 1 && e.depth() < belowDepth && e.present()) {
                cost = cost.plus(e);
            }
        }
        return cost;
    }

    /** The guest size the map covers. */
    public long virtualSize() {
        return extents.isEmpty() ? 0 : extents.get(extents.size() - 1).end();
    }
}
