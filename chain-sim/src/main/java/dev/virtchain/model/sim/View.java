package dev.virtchain.model.sim;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * What a guest reading one image sees: for every cluster, the token of the topmost image in
 * the backing chain that allocates it, or zero. Immutable; two views are equal when a guest
 * could not tell them apart, so an allocated cluster holding zero equals an unallocated one.
 *
 * <p>Only non-zero clusters are stored, sorted by index.
 */
public final class View {

    private final long virtualSize;
    private final int clusterSize;
    private final int[] clusters;
    private final long[] tokens;
    private final int hash;

    private View(long virtualSize, int clusterSize, int[] clusters, long[] tokens) {
        this.virtualSize = virtualSize;
        this.clusterSize = clusterSize;
        this.clusters = clusters;
        this.tokens = tokens;
        this.hash = 31 * (31 * Long.hashCode(virtualSize) + Arrays.hashCode(clusters))
                + Arrays.hashCode(tokens);
    }

    /** Builds a view from resolved cluster contents, which may include zero tokens. */
    static View of(long virtualSize, int clusterSize, ClusterMap resolved) {
        long[] packed = new long[resolved.size()];
        int[] count = {0};
        resolved.forEach((cluster, token) -> {
            if (token != 0) {
                packed[count[0]++] = cluster;
            }
        });
        long[] sorted = Arrays.copyOf(packed, count[0]);
        Arrays.sort(sorted);
        int[] clusters = new int[sorted.length];
        long[] tokens = new long[sorted.length];
        for (int i = 0; i < sorted.length; i++) {
            clusters[i] = (int) sorted[i];
            tokens[i] = resolved.get(clusters[i]);
        }
        return new View(virtualSize, clusterSize, clusters, tokens);
    }

    public long virtualSize() {
        return virtualSize;
    }

    public int clusterSize() {
        return clusterSize;
    }

    /** The token a guest reads at byte {@code offset}; zero where nothing was written. */
    public long tokenAt(long offset) {
        if (offset < 0 || offset >= virtualSize) {
            throw new IllegalArgumentException(
                    "offset " + offset + " is outside the virtual size " + virtualSize);
        }
        int i = Arrays.binarySearch(clusters, (int) (offset / clusterSize));
        return i >= 0 ? tokens[i] : 0L;
    }

    /** Bytes of clusters that read as something other than zero. */
    public long nonZeroBytes() {
        return (long) clusters.length * clusterSize;
    }

    /**
     * Bytes of clusters whose content differs between this view and {@code other}: what an
     * exact diff export between the two points in time holds.
     */
    public long bytesDifferentFrom(View other) {
        if (other.clusterSize != clusterSize) {
            throw new IllegalArgumentException("cluster sizes differ: " + clusterSize
                    + " and " + other.clusterSize);
        }
        long differing = 0;
        int i = 0;
        int j = 0;
        while (i < clusters.length || j < other.clusters.length) {
            if (j == other.clusters.length
                    || (i < clusters.length && clusters[i] < other.clusters[j])) {
                differing++;
                i++;
            } else if (i == clusters.length || other.clusters[j] < clusters[i]) {
                differing++;
                j++;
            } else {
                if (tokens[i] != other.tokens[j]) {
                    differing++;
                }
                i++;
                j++;
            }
        }
        return differing * clusterSize;
    }

    /**
     * A SHA-256 over the virtual size and every non-zero cluster: the simulator's stand-in for
     * the digest recorded when a point in time is taken. It is not comparable with digests of
     * real image contents.
     */
    public String digest() {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform provides SHA-256", e);
        }
        ByteBuffer buffer = ByteBuffer.allocate(12 * 1024);
        buffer.putLong(virtualSize).putInt(clusterSize);
        for (int i = 0; i < clusters.length; i++) {
            if (buffer.remaining() < 12) {
                sha.update(buffer.flip());
                buffer.clear();
            }
            buffer.putInt(clusters[i]).putLong(tokens[i]);
        }
        sha.update(buffer.flip());
        return HexFormat.of().formatHex(sha.digest());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof View v
                && v.hash == hash
                && v.virtualSize == virtualSize
                && v.clusterSize == clusterSize
                && Arrays.equals(v.clusters, clusters)
                && Arrays.equals(v.tokens, tokens);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("View[").append(virtualSize).append(" bytes");
        int shown = Math.min(clusters.length, 8);
        for (int i = 0; i < shown; i++) {
            s.append(i == 0 ? ": " : ", ").append('#').append(clusters[i]).append('=')
                    .append(tokens[i]);
        }
        if (shown < clusters.length) {
            s.append(", … ").append(clusters.length - shown).append(" more");
        }
        return s.append(']').toString();
    }
}
