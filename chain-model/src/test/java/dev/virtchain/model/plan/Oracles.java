package dev.virtchain.model.plan;

import dev.virtchain.model.Ledger;
import dev.virtchain.model.sim.SimulatedHost;

import java.util.Map;

/**
 * The chain model's test oracles, opened to the daemon's tests and the benchmarks (through this
 * module's test-jar): the fixtures and the brute force stay package-private. Nothing here adds
 * behaviour; it only forwards.
 */
public final class Oracles {
    private Oracles() {
    }

    /** Allocation facts read straight from the simulator, as the property tests use them. */
    public static AllocationFacts facts(SimulatedHost sim) {
        return Fixture.simFacts(sim);
    }

    /**
     * The least bytes copied by any valid sequence of commits and pulls (BruteForce's primitives)
     * that merges the removable images of {@code disk}, per number of images left on the disk;
     * null when the search visited more than {@code limit} states.
     *
     * @param tombstoned the ledger once the deleted snapshots are out of view: their holders are
     *                   tombstones (a delete plan's first ledger update)
     */
    public static Map<Integer, Long> cheapest(SimulatedHost sim, Ledger tombstoned, String disk, boolean running,
                                              int limit) {
        return BruteForce.search(sim, tombstoned, disk, running, limit);
    }

    /**
     * The planner benchmark's ledger: {@code vm <- vm.1 <- ... <- vm.500^}, snapshot Si held by
     * image i.
     */
    public static Ledger deepChain() {
        return PlannerBenchmark.chain();
    }

    /** The planner benchmark's synthetic facts for {@link #deepChain()}: O(1) lookups (prefix sums). */
    public static AllocationFacts deepChainFacts() {
        return PlannerBenchmark.facts();
    }

    public static int deepChainDepth() {
        return PlannerBenchmark.DEPTH;
    }
}
