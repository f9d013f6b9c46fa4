package dev.virtchain.bench.prune;

import java.util.SplittableRandom;

/** Where a guest's writes land, one 64 KiB cluster at a time. */
public enum WritePattern {
    /** Every cluster of the disk equally likely. */
    UNIFORM("uniform random"),
    /** 90 % of writes into a hot tenth of the disk, the rest anywhere. */
    HOT_SET("hot set 90/10"),
    /** Appends to a log that fills a fifth of the disk and then wraps around. */
    SEQUENTIAL_LOG("sequential log");

    private final String label;

    WritePattern(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** The cluster indexes one guest writes, deterministic for a seed. */
    public ClusterStream stream(int clusters, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        return switch (this) {
            case UNIFORM -> () -> random.nextInt(clusters);
            case HOT_SET -> {
                int hot = Math.max(1, clusters / 10);
                // The hot tenth sits in the middle of the disk, away from the data the base holds.
                int hotStart = clusters / 2;
                yield () -> random.nextInt(10) < 9 ? hotStart + random.nextInt(hot) : random.nextInt(clusters);
            }
            case SEQUENTIAL_LOG -> {
                int log = Math.max(1, clusters / 5);
                int logStart = clusters - log;
                int[] at = {0};
                yield () -> {
                    int c = logStart + at[0];
                    at[0] = (at[0] + 1) % log;
                    return c;
                };
            }
        };
    }

    /** An endless sequence of cluster indexes. */
    @FunctionalInterface
    public interface ClusterStream {
        int next();
    }
}
