package dev.virtchain.model.sim;

/**
 * One simulated image file. Mutable, owned by exactly one {@link SimulatedHost}; forks get
 * their own {@code Image} objects that share the cluster map until either side writes.
 */
final class Image {

    final String path;
    final ImageFormat format;
    final long virtualSize;
    /** The virtual size in clusters. */
    final int clusterCount;
    /** The backing image's path, or null. Always null for raw images. */
    String backing;
    private ClusterMap clusters;

    Image(String path, ImageFormat format, long virtualSize, int clusterCount, String backing) {
        this.path = path;
        this.format = format;
        this.virtualSize = virtualSize;
        this.clusterCount = clusterCount;
        this.backing = backing;
        this.clusters = new ClusterMap();
    }

    /** A copy for a forked host; both now share the cluster map copy-on-write. */
    Image fork() {
        Image copy = new Image(path, format, virtualSize, clusterCount, backing);
        clusters.share();
        copy.clusters = clusters;
        return copy;
    }

    /** The allocated clusters, for reading only. */
    ClusterMap clusters() {
        return clusters;
    }

    /** The allocated clusters, unshared first if a fork still references them. */
    ClusterMap writableClusters() {
        if (clusters.isShared()) {
            clusters = clusters.copy();
        }
        return clusters;
    }

    boolean allocatesEverything() {
        return format == ImageFormat.RAW;
    }

    boolean isAllocated(int cluster) {
        return allocatesEverything() || clusters.contains(cluster);
    }

    ImageInfo info() {
        return new ImageInfo(path, format, virtualSize, backing);
    }
}
