package dev.virtchain.model.sim;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * The cluster walks every operation is made of. A chain or a run of layers is a list of
 * images, topmost first; all images of one list have the same cluster count.
 */
final class Layers {

    /** Receives one cluster where two chains read differently. */
    @FunctionalInterface
    interface DifferenceVisitor {
        void visit(int cluster, long tokenInFirst, long tokenInSecond);
    }

    private Layers() {
    }

    /**
     * Every cluster allocated in any of {@code layers} and not in {@code skip} (nullable), with
     * the token of the topmost layer allocating it: what a job copying those layers writes.
     */
    static ClusterMap allocatedIn(List<Image> layers, ClusterMap skip) {
        return collect(layers, skip, true);
    }

    /**
     * What a guest reading {@code layers} sees wherever it could see something other than
     * zero: like {@link #allocatedIn} without a raw image's clusters that were never written.
     * Those read as zero and, a raw image being the bottom of any chain, hide nothing.
     */
    static ClusterMap contents(List<Image> layers) {
        return collect(layers, null, false);
    }

    private static ClusterMap collect(List<Image> layers, ClusterMap skip, boolean wholeRaw) {
        ClusterMap out = new ClusterMap();
        for (Image layer : layers) {
            ClusterMap own = layer.clusters();
            if (wholeRaw && layer.allocatesEverything()) {
                for (int c = 0; c < layer.clusterCount; c++) {
                    if (skip == null || !skip.contains(c)) {
                        out.putIfAbsent(c, own.get(c));
                    }
                }
            } else {
                own.forEach((c, token) -> {
                    if (skip == null || !skip.contains(c)) {
                        out.putIfAbsent(c, token);
                    }
                });
            }
        }
        return out;
    }

    /** What a guest reading the chain {@code layers} sees at {@code cluster}. */
    static long read(List<Image> layers, int cluster) {
        for (Image layer : layers) {
            if (layer.isAllocated(cluster)) {
                return layer.clusters().get(cluster);
            }
        }
        return 0L;
    }

    /**
     * Clusters per depth at which a read of {@code chain} is served, as {@code qemu-img map}
     * reports it; clusters no layer allocates are not counted.
     */
    static long[] clustersByDepth(List<Image> chain) {
        long[] counts = new long[chain.size()];
        ClusterMap seen = new ClusterMap();
        for (int depth = 0; depth < chain.size(); depth++) {
            Image layer = chain.get(depth);
            long before = seen.size();
            if (layer.allocatesEverything()) {
                for (int c = 0; c < layer.clusterCount; c++) {
                    seen.putIfAbsent(c, 0L);
                }
            } else {
                layer.clusters().forEach((c, token) -> seen.putIfAbsent(c, 0L));
            }
            counts[depth] = seen.size() - before;
        }
        return counts;
    }

    /**
     * Visits every cluster where chains {@code first} and {@code second} read differently.
     * Only layers above the part the chains share can make them differ, so only those are
     * walked; the shared part is consulted cluster by cluster. This keeps pivots, rebases and
     * diff exports proportional to what changed rather than to the whole disk.
     */
    static void forEachDifference(List<Image> first, List<Image> second,
                                  DifferenceVisitor visitor) {
        Set<Image> inSecond = Collections.newSetFromMap(new IdentityHashMap<>());
        inSecond.addAll(second);
        int i = 0;
        while (i < first.size() && !inSecond.contains(first.get(i))) {
            i++;
        }
        int j = i < first.size() ? second.indexOf(first.get(i)) : second.size();
        List<Image> shared = first.subList(i, first.size());
        // A raw image is a chain's bottom: in an unshared part it leaves the shared part empty,
        // so its unwritten clusters need no visit to read as zero.
        ClusterMap firstOnly = contents(first.subList(0, i));
        ClusterMap secondOnly = contents(second.subList(0, j));
        firstOnly.forEach((c, a) -> {
            long b = secondOnly.contains(c) ? secondOnly.get(c) : read(shared, c);
            if (a != b) {
                visitor.visit(c, a, b);
            }
        });
        secondOnly.forEach((c, b) -> {
            if (!firstOnly.contains(c)) {
                long a = read(shared, c);
                if (a != b) {
                    visitor.visit(c, a, b);
                }
            }
        });
    }
}
