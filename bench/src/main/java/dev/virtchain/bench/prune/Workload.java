package dev.virtchain.bench.prune;

import dev.virtchain.model.sim.ImageFormat;
import dev.virtchain.model.sim.SimulatedHost;

/**
 * One disk and what its guest writes: a base image whose first {@code baseShare} is written
 * (an installed system), then {@code clustersPerHour} clusters an hour in {@code pattern}.
 *
 * @param seed the same seed gives every strategy the same writes
 */
record Workload(String name, long diskBytes, double baseShare, int clustersPerHour, WritePattern pattern,
                long seed) {

    static final int CLUSTER = SimulatedHost.DEFAULT_CLUSTER_SIZE;
    /** Content of the base's clusters; hour h writes token h + 1, so the two never meet. */
    static final long BASE_TOKEN = 1L << 40;

    int clusterSize() {
        return CLUSTER;
    }

    int clusters() {
        return (int) (diskBytes / CLUSTER);
    }

    int baseClusters() {
        return (int) (clusters() * baseShare);
    }

    long bytesPerHour() {
        return (long) clustersPerHour * CLUSTER;
    }

    String directory() {
        return "/var/lib/libvirt/images";
    }

    String basePath() {
        return directory() + "/vm.qcow2";
    }

    SimulatedHost newHostWithBase() {
        SimulatedHost sim = new SimulatedHost(CLUSTER);
        sim.createBase(basePath(), ImageFormat.QCOW2, diskBytes);
        if (baseClusters() > 0) {
            sim.write(basePath(), 0, (long) baseClusters() * CLUSTER, BASE_TOKEN);
        }
        return sim;
    }
}
