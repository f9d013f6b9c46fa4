package dev.virtchain.model.sim;

import java.util.Arrays;

/**
 * The allocated clusters of one image: cluster index to content token, an open-addressing
 * hash map on primitive arrays. Images hold up to a few hundred thousand clusters and the
 * simulator walks whole chains of them, so boxing every entry would dominate the cost.
 *
 * <p>Entries are never removed: no modelled operation deallocates a cluster.
 *
 * <p>A map can be <em>shared</em> between a host and its forks. A shared map is never written
 * again; whoever wants to write it takes a {@link #copy()} first (see {@link Image#writableClusters()}).
 */
final class ClusterMap {

    /** Receives one allocated cluster. */
    @FunctionalInterface
    interface ClusterVisitor {
        void visit(int cluster, long token);
    }

    private static final int FREE = -1;
    private static final int MIN_CAPACITY = 16;

    private int[] keys;
    private long[] tokens;
    private int size;
    private boolean shared;

    ClusterMap() {
        this(MIN_CAPACITY);
    }

    private ClusterMap(int capacity) {
        keys = new int[capacity];
        Arrays.fill(keys, FREE);
        tokens = new long[capacity];
    }

    private ClusterMap(ClusterMap other) {
        keys = other.keys.clone();
        tokens = other.tokens.clone();
        size = other.size;
    }

    /** An unshared copy that may be written. */
    ClusterMap copy() {
        return new ClusterMap(this);
    }

    /** Marks this map as referenced by more than one image; it is read-only from now on. */
    void share() {
        shared = true;
    }

    boolean isShared() {
        return shared;
    }

    int size() {
        return size;
    }

    boolean contains(int cluster) {
        return keys[slot(cluster)] == cluster;
    }

    /** The token of {@code cluster}, or 0 when it is not allocated here. */
    long get(int cluster) {
        int slot = slot(cluster);
        return keys[slot] == cluster ? tokens[slot] : 0L;
    }

    void put(int cluster, long token) {
        store(cluster, token, true);
    }

    void putIfAbsent(int cluster, long token) {
        store(cluster, token, false);
    }

    void forEach(ClusterVisitor visitor) {
        int[] k = keys;
        long[] t = tokens;
        for (int i = 0; i < k.length; i++) {
            if (k[i] != FREE) {
                visitor.visit(k[i], t[i]);
            }
        }
    }

    private void store(int cluster, long token, boolean replace) {
        if (shared) {
            throw new IllegalStateException("a shared cluster map is read-only");
        }
        if (cluster < 0) {
            throw new IllegalArgumentException("cluster index must not be negative, was " + cluster);
        }
        int slot = slot(cluster);
        if (keys[slot] == cluster) {
            if (replace) {
                tokens[slot] = token;
            }
            return;
        }
        keys[slot] = cluster;
        tokens[slot] = token;
        if (++size * 2 > keys.length) {
            grow();
        }
    }

    /** The slot holding {@code cluster}, or the free slot where it would go. */
    private int slot(int cluster) {
        int mask = keys.length - 1;
        int slot = mix(cluster) & mask;
        while (keys[slot] != FREE && keys[slot] != cluster) {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    private void grow() {
        int[] oldKeys = keys;
        long[] oldTokens = tokens;
        keys = new int[oldKeys.length * 2];
        Arrays.fill(keys, FREE);
        tokens = new long[keys.length];
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != FREE) {
                int slot = slot(oldKeys[i]);
                keys[slot] = oldKeys[i];
                tokens[slot] = oldTokens[i];
            }
        }
    }

    /** Spreads sequential cluster indexes (the common case: one guest write) over the table. */
    private static int mix(int cluster) {
        int h = cluster * 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
