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

    /**
     * Goes back to snapshot {@code name}, keeping the state it leaves as a snapshot, whose name it
     * returns: the chain branches at the snapshot's holder. Only strategies that handle branching
     * histories implement it.
     */
    default String revert(String name) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " keeps linear chains only");
    }

    /** Clones snapshot {@code name} as domain {@code clone}: its holder and all below stay while the clone lives. */
    default void cloneSnapshot(String name, String clone) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " keeps linear chains only");
    }

    /** Domain {@code clone} is undefined and its overlay removed: the snapshot it read may go. */
    default void dropClone(String clone) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " keeps linear chains only");
    }

    /** What the strategy has copied so far. */
    Tally tally();

    /** Images in the disk's chain now, the active one included. */
    int chainLength();
}
