package dev.virtchain.model.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;

/** Hand-worked chains shared by the simulator's tests. */
final class SnapshotChains {

    static final int CLUSTER = SimulatedHost.DEFAULT_CLUSTER_SIZE;
    static final int CLUSTERS = 8;
    static final long SIZE = (long) CLUSTERS * CLUSTER;

    private SnapshotChains() {
    }

    /**
     * The chain of docs/design.md §2, {@code V <- V.1 <- V.2 <- V.3^}, snapshots S0→V, S1→V.1,
     * S2→V.2, with V.3 active. Each image writes its own token (10, 11, 12, 13) into some
     * clusters, overlapping the images below:
     * <pre>
     * cluster   0  1  2  3  4  5  6  7
     * V        10 10 10 10  .  .  .  .
     * V.1       . 11  .  . 11  .  .  .
     * V.2       .  . 12  . 12 12  .  .
     * V.3       .  .  . 13  . 13 13  .
     * </pre>
     */
    static SimulatedHost designChain() {
        SimulatedHost host = new SimulatedHost();
        host.createBase("V", ImageFormat.QCOW2, SIZE);
        writeClusters(host, "V", 10, 0, 1, 2, 3);
        host.createOverlay("V.1", "V");
        writeClusters(host, "V.1", 11, 1, 4);
        host.createOverlay("V.2", "V.1");
        writeClusters(host, "V.2", 12, 2, 4, 5);
        host.createOverlay("V.3", "V.2");
        writeClusters(host, "V.3", 13, 3, 5, 6);
        host.activate("V.3");
        return host;
    }

    /** What S0 (V) shows in {@link #designChain()}. */
    static final long[] S0 = {10, 10, 10, 10, 0, 0, 0, 0};
    /** What S1 (V.1) shows. */
    static final long[] S1 = {10, 11, 10, 10, 11, 0, 0, 0};
    /** What S2 (V.2) shows. */
    static final long[] S2 = {10, 11, 12, 10, 12, 12, 0, 0};
    /** What the guest sees in V.3. */
    static final long[] ACTIVE = {10, 11, 12, 13, 12, 13, 13, 0};

    static void writeClusters(SimulatedHost host, String image, long token, int... clusters) {
        for (int c : clusters) {
            host.write(image, (long) c * host.clusterSize(), host.clusterSize(), token);
        }
    }

    /** The token a guest reads in each cluster of {@code image}. */
    static long[] tokens(SimulatedHost host, String image) {
        View view = host.view(image);
        long[] tokens = new long[(int) (view.virtualSize() / view.clusterSize())];
        for (int c = 0; c < tokens.length; c++) {
            tokens[c] = view.tokenAt((long) c * view.clusterSize());
        }
        return tokens;
    }

    static void assertShows(long[] expected, SimulatedHost host, String image) {
        assertEquals(Arrays.toString(expected), Arrays.toString(tokens(host, image)),
                "what " + image + " shows");
    }

    static void assertChain(SimulatedHost host, String top, String... below) {
        String[] expected = new String[below.length + 1];
        expected[0] = top;
        System.arraycopy(below, 0, expected, 1, below.length);
        assertEquals(List.of(expected), host.chain(top));
    }

    static long clusters(int count) {
        return (long) count * CLUSTER;
    }
}
