package dev.virtchain.bench.prune;

/** Bytes a strategy copied, by kind of operation, and how many merges it ran. */
final class Tally {
    long commitBytes;
    long activeCommitBytes;
    /** Live block streams and offline safe rebases: data moved up into an image. */
    long pullBytes;
    int merges;

    long total() {
        return commitBytes + activeCommitBytes + pullBytes;
    }

    void commit(long bytes) {
        commitBytes += bytes;
        merges++;
    }

    void activeCommit(long bytes) {
        activeCommitBytes += bytes;
        merges++;
    }

    void pull(long bytes) {
        pullBytes += bytes;
        merges++;
    }
}
