package dev.virtchain.bench.prune;

import dev.virtchain.model.Ledger;
import dev.virtchain.model.Tombstone;
import dev.virtchain.model.plan.Oracles;
import dev.virtchain.model.plan.Plan;
import dev.virtchain.model.sim.SimulatedHost;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The per-prune lower bound, measured on virtchain's run just before each of its prunes.
 *
 * <p><b>Searched</b> (a prune that removes at most {@value #SEARCH_MAX_IMAGES} images): every valid
 * sequence of commits and pulls that removes the deleted snapshots' images is tried on simulator
 * forks by the model's brute-force oracle, which applies the design's validity rules and nothing
 * else (libvirt pulls live only into the active image; nothing is committed into an image with two
 * dependants); the cheapest sequence leaving as many images as virtchain's plan is the bound.
 *
 * <p><b>Landing bound</b> (larger prunes, where the search explodes): on a linear chain each run
 * of deleted images {@code R1..Rk} (bottom first) under a kept image {@code K} and over {@code B0}
 * must end with K's point in time held by one surviving image {@code L} of {@code K, R1..Rk}, and
 * every cluster K shows above B0 that L does not already hold must be written into L at least once.
 * So no plan copies less than the cheapest valid L's missing data:
 * {@code pull(K, B0)} for {@code L = K}, and
 * {@code alloc(K) + pull(K, Rj) + pull(K, B0) - pull(K, R(j-1))} for {@code L = Rj}
 * (the data above B0 minus what Rj holds that nothing above it overwrites), with "pull" a block
 * stream's count live and a safe rebase's offline. L = K is valid live only if K is the active
 * image, L = Rj for j &gt; 1 only offline. This is the bound the planner's documentation proves,
 * computed here from the simulator's own counts, independently of the planner's code.
 *
 * <p>Summed over a run, the bound is what the cheapest planner could have copied <em>from the
 * states virtchain's plans led to</em>; it is not a bound over every possible 30-day history.
 */
final class LowerBound {
    /** Prunes removing more images than this get the landing bound instead of a search. */
    static final int SEARCH_MAX_IMAGES = 3;
    /** States one search may visit; beyond it the prune gets the landing bound. */
    static final int SEARCH_LIMIT = 20_000;

    /** Most images a prune may remove to be searched. */
    private final int searchMaxImages;
    /**
     * Whether prunes too large to search get the landing bound. It holds on a linear chain only:
     * with branches and clones, tombstones that must stay (a clone reads them, or a branch point
     * under them) count as removable, and the landing bound would charge for merging them.
     */
    private final boolean landing;
    int unbounded;

    /** The linear benchmark's bound: searched up to {@value #SEARCH_MAX_IMAGES} images, landing bound beyond. */
    LowerBound() {
        this(SEARCH_MAX_IMAGES, true);
    }

    LowerBound(int searchMaxImages, boolean landing) {
        this.searchMaxImages = searchMaxImages;
        this.landing = landing;
    }

    long plannerBytes;
    long boundBytes;
    /** The same sums over the searched prunes alone, where the bound is the cheapest valid plan. */
    long searchedPlannerBytes;
    long searchedBoundBytes;
    int searched;
    int landingBounded;
    double worstRatio = 1.0;
    String worst = "";

    void measure(SimulatedHost sim, Ledger tombstoned, boolean running, Plan plan) {
        String disk = PlannerStrategy.DISK;
        Set<String> removable = new HashSet<>();
        for (Tombstone t : tombstoned.tombstones()) {
            if (t.disk().equals(disk)) {
                removable.add(t.image());
            }
        }
        Long bound = null;
        if (removable.size() <= searchMaxImages) {
            Map<Integer, Long> best = Oracles.cheapest(sim, tombstoned, disk, running, SEARCH_LIMIT);
            if (best != null) {
                bound = best.get(PlannerStrategy.imagesAfter(plan));
                if (bound == null) {
                    throw new IllegalStateException("the exhaustive search found no plan leaving "
                            + PlannerStrategy.imagesAfter(plan) + " images for " + plan.intent() + "; it found "
                            + best);
                }
                searched++;
                searchedPlannerBytes += plan.estimatedBytes();
                searchedBoundBytes += bound;
            }
        }
        if (bound == null && !landing) {
            unbounded++;
            return;
        }
        if (bound == null) {
            bound = landingBound(sim, tombstoned.activeChain(disk), removable, running);
            landingBounded++;
        }
        long planned = plan.estimatedBytes();
        plannerBytes += planned;
        boundBytes += bound;
        double r = bound == 0 ? (planned == 0 ? 1.0 : Double.POSITIVE_INFINITY) : (double) planned / bound;
        if (r > worstRatio) {
            worstRatio = r;
            worst = plan.intent() + ": planned " + planned + " bytes, bound " + bound;
        }
    }

    /** The landing bound over every run of removable images in a linear active chain. */
    static long landingBound(SimulatedHost sim, List<String> activeFirst, Set<String> removable, boolean running) {
        String active = activeFirst.get(0);
        long total = 0;
        int i = activeFirst.size() - 1; // walk bottom up
        while (i >= 0) {
            if (!removable.contains(activeFirst.get(i))) {
                i--;
                continue;
            }
            int bottom = i;
            while (i >= 0 && removable.contains(activeFirst.get(i))) {
                i--;
            }
            // activeFirst[bottom] .. activeFirst[i + 1] are R1..Rk; activeFirst[i] is K.
            List<String> path = new ArrayList<>(activeFirst.subList(i + 1, bottom + 1));
            Collections.reverse(path);
            String k = activeFirst.get(i);
            String b0 = bottom + 1 < activeFirst.size() ? activeFirst.get(bottom + 1) : null;
            total += cheapestLanding(sim, k, path, b0, running, k.equals(active));
        }
        return total;
    }

    private static long cheapestLanding(SimulatedHost sim, String k, List<String> path, String b0, boolean running,
                                        boolean kActive) {
        long pullAll = pull(sim, k, b0, running);
        long best = Long.MAX_VALUE;
        if (!running || kActive) {
            best = pullAll;
        }
        long alloc = sim.allocatedBytes(k);
        long pullBelowPrevious = pullAll;
        for (int j = 0; j < path.size(); j++) {
            long pullBelowThis = pull(sim, k, path.get(j), running);
            if (j == 0 || !running) {
                best = Math.min(best, alloc + pullBelowThis + pullAll - pullBelowPrevious);
            }
            pullBelowPrevious = pullBelowThis;
        }
        return best;
    }

    private static long pull(SimulatedHost sim, String image, String base, boolean running) {
        return running ? sim.bytesPullWouldCopy(image, base) : sim.bytesRebaseWouldCopy(image, base);
    }

    double searchedRatio() {
        return searchedBoundBytes == 0 ? (searchedPlannerBytes == 0 ? 1.0 : Double.POSITIVE_INFINITY)
                : (double) searchedPlannerBytes / searchedBoundBytes;
    }

    double ratio() {
        return boundBytes == 0 ? (plannerBytes == 0 ? 1.0 : Double.POSITIVE_INFINITY)
                : (double) plannerBytes / boundBytes;
    }
}
