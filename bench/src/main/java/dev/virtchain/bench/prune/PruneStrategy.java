package dev.virtchain.bench.prune;

import java.time.Instant;
import java.util.List;

/**
 * One way of keeping a disk's chain pruned, driven hour by hour by {@link PruneRun}: the guest
 * writes, a snapshot is taken, the snapshots retention lets go are deleted.
 */
interface PruneStrategy {

    /** The guest writes one cluster of the active image. */
    void write(int cluster, long token);

    /** Takes snapshot {@code name} at {@code at}: the active image becomes its holder. */
    void snapshot(String name, Instant at);

    /** Deletes {@code names} (oldest first); the bytes this copied go to {@link #tally()}. */
    void delete(List<String> names);

    /** What the strategy has copied so far. */
    Tally tally();

    /** Images in the disk's chain now, the active one included. */
    int chainLength();
}
