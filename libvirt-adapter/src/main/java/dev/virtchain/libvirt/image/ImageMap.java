package dev.virtchain.libvirt.image;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Where every guest byte of an image's chain lives ({@code qemu-img map --output=json -U}), and
 * the allocation facts the planner chooses merges by (docs/design.md §2, "choose by cost").
 *
 * <p>Only as fresh as the files: for the <em>active</em> image of a running domain QEMU keeps
 * recent qcow2 metadata in memory until it flushes, so a map of it may miss recent writes. Take
 * the active layer's cost from libvirt's block info instead; holders were flushed when their
 * snapshot was taken and map truthfully.
 *
 * <p>Kept as totals per depth, not as the runs themselves: a fragmented disk has millions of
 * runs, and every question asked of a map (commit, pull and flatten costs) sums runs by depth.
 *
 * @param image       the mapped image (depth 0)
 * @param virtualSize the guest size the map covers
 * @param byDepth     per depth, what the present runs at that depth hold (data and explicit zeroes)
 */
public record ImageMap(Path image, long virtualSize, SortedMap<Integer, CopyCost> byDepth) {

    public ImageMap {
        byDepth = Collections.unmodifiableSortedMap(new TreeMap<>(byDepth));
    }

    /** Folds runs (in any order) into a map. */
    public static ImageMap of(Path image, List<ImageExtent> extents) {
        Fold f = new Fold(image);
        extents.forEach(f::add);
        return f.result();
    }

    /**
     * What committing {@link #image} into its backing file writes: everything the image
     * allocates itself (depth 0), data and explicit zeroes alike.
     */
    public CopyCost commitCost() {
        return byDepth.getOrDefault(0, CopyCost.NONE);
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
        for (var e : byDepth.subMap(1, belowDepth).entrySet()) {
            cost = cost.plus(e.getValue());
        }
        return cost;
    }

    /** Adds runs one at a time; memory stays one entry per depth however many runs there are. */
    static final class Fold {
        private final Path image;
        private final SortedMap<Integer, CopyCost> byDepth = new TreeMap<>();
        private long end;

        Fold(Path image) {
            this.image = image;
        }

        void add(ImageExtent e) {
            end = Math.max(end, e.end());
            if (e.present()) {
                byDepth.merge(e.depth(), CopyCost.NONE.plus(e), CopyCost::plus);
            }
        }

        ImageMap result() {
            return new ImageMap(image, end, byDepth);
        }
    }
}
