package dev.virtchain.bench.prune;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.bench.Progress;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Benchmark 1: bytes copied by retention pruning, in the simulator. For each disk, write pattern,
 * domain state and prune schedule, runs over the same writes: virtchain's planner (one plan per
 * prune) with its per-prune lower bound, the planner one snapshot at a time, libvirt's
 * {@code snapshot-delete} rule and Cinder/Nova's rule.
 *
 * <p>Two runs are skipped when they cannot differ, and the report says so: one snapshot at a time
 * is the same plans as one plan per prune when no prune deletes more than one snapshot, and
 * Cinder/Nova's rule is libvirt's unless a prune deletes the snapshot under the active image.
 */
public final class PruneBench {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;

    /**
     * Disk sizes and what the guest writes an hour: bigger disks write more, but far from in
     * proportion (0.8 %, 0.2 % and 0.07 % of the disk an hour; 192 MiB, 768 MiB and 2.25 GiB a
     * day). The simulator's time grows with the data written, which keeps the largest rate modest.
     */
    private static final long[][] DISKS = {{GIB, 8 * MIB}, {16 * GIB, 32 * MIB}, {128 * GIB, 96 * MIB}};
    /** The base image is a quarter full: an installed system. */
    private static final double BASE_SHARE = 0.25;

    private PruneBench() {
    }

    /** Branching histories run on the two smaller disks: their rows are about shapes, not sizes. */
    private static final int BRANCHING_DISKS = 2;
    /** Branching prunes are searched up to this many removable images (stuck tombstones count). */
    static final int BRANCHING_SEARCH_MAX_IMAGES = 6;

    private record Case(Workload workload, boolean running, PruneRun.Schedule schedule, PruneRun.History history) {
        String label() {
            return workload.name() + ", " + workload.pattern().label() + ", " + (running ? "running" : "shut off")
                    + ", pruned " + schedule.label() + (history == PruneRun.History.LINEAR ? "" : ", " + history.label());
        }
    }

    /**
     * @param only runs just the cases whose label contains this (empty: all)
     */
    public static ObjectNode run(int threads, String only, Progress progress) throws InterruptedException {
        List<Case> cases = new ArrayList<>();
        for (PruneRun.History history : PruneRun.History.values()) {
            for (PruneRun.Schedule schedule : PruneRun.Schedule.values()) {
                long seed = 1;
                int disks = history == PruneRun.History.LINEAR ? DISKS.length : BRANCHING_DISKS;
                for (long[] disk : java.util.Arrays.copyOf(DISKS, disks)) {
                    for (WritePattern pattern : WritePattern.values()) {
                        Workload w = new Workload((disk[0] / GIB) + " GiB", disk[0], BASE_SHARE,
                                (int) (disk[1] / Workload.CLUSTER), pattern, seed++);
                        cases.add(new Case(w, true, schedule, history));
                        cases.add(new Case(w, false, schedule, history));
                    }
                }
            }
        }
        cases.removeIf(c -> !c.label().contains(only));
        // Longest first, so that two threads finish together; reported in the order above.
        List<Case> longestFirst = new ArrayList<>(cases);
        longestFirst.sort((a, b) -> Long.compare(b.workload().bytesPerHour(), a.workload().bytesPerHour()));
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            Map<Case, Future<ObjectNode>> results = new HashMap<>();
            for (Case c : longestFirst) {
                results.put(c, pool.submit(() -> runCase(c, progress)));
            }
            ArrayNode rows = JSON.arrayNode();
            ArrayNode branching = JSON.arrayNode();
            for (Case c : cases) {
                (c.history() == PruneRun.History.LINEAR ? rows : branching).add(results.get(c).get());
            }
            ObjectNode out = JSON.objectNode();
            out.put("hours", PruneRun.HOURS);
            out.put("policy", "keep 24 hourly + 7 daily + 4 weekly (UTC)");
            out.put("clusterBytes", Workload.CLUSTER);
            out.put("baseShare", BASE_SHARE);
            out.put("searchMaxImages", LowerBound.SEARCH_MAX_IMAGES);
            out.put("searchLimitStates", LowerBound.SEARCH_LIMIT);
            out.set("cases", rows);
            out.set("branching", branching);
            out.put("branchingHistory", "every " + PruneRun.History.REVERT_EVERY + " h a revert to the snapshot of "
                    + PruneRun.History.REVERT_BACK + " h before (the state left kept as a snapshot, deleted "
                    + PruneRun.History.KEEP_REVERTED + " h later); every " + PruneRun.History.CLONE_EVERY
                    + " h a clone of the snapshot of " + PruneRun.History.CLONE_BACK + " h before, removed "
                    + PruneRun.History.CLONE_LIFE + " h later");
            summarize(out, rows);
            summarizeBranching(out, branching);
            return out;
        } catch (ExecutionException e) {
            throw new IllegalStateException("benchmark 1 failed: " + e.getCause().getMessage(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private static ObjectNode runCase(Case c, Progress progress) {
        if (c.history() == PruneRun.History.BRANCHING) {
            return runBranchingCase(c, progress);
        }
        long t0 = System.nanoTime();
        Workload w = c.workload();
        PruneRun.Schedule schedule = c.schedule();
        LowerBound bound = new LowerBound();
        PruneRun.Outcome planner = PruneRun.run(w, schedule, new PlannerStrategy(w, c.running(), true, bound));
        PruneRun.Outcome oneAtATime = planner.mostAtOnce() > 1
                ? PruneRun.run(w, schedule, new PlannerStrategy(w, c.running(), false, null))
                : null;
        LinearChainStrategy libvirtRule = new LinearChainStrategy(LinearChainStrategy.Rule.LIBVIRT, w, c.running());
        PruneRun.Outcome libvirt = PruneRun.run(w, schedule, libvirtRule);
        PruneRun.Outcome cinder = libvirtRule.newestDeletes > 0
                ? PruneRun.run(w, schedule,
                        new LinearChainStrategy(LinearChainStrategy.Rule.CINDER_NOVA, w, c.running()))
                : null;
        double seconds = (System.nanoTime() - t0) / 1e9;
        progress.say(String.format("  1: %-62s %5.1f s", c.label(), seconds));

        long vc = planner.tally().total();
        long one = oneAtATime == null ? vc : oneAtATime.tally().total();
        long lv = libvirt.tally().total();
        long cn = cinder == null ? lv : cinder.tally().total();
        ObjectNode row = caseRow(c, planner);
        row.put("diskBytes", w.diskBytes());
        row.put("snapshots", planner.snapshots());
        row.put("newestDeletes", libvirtRule.newestDeletes);
        ObjectNode bytes = row.putObject("bytes");
        bytes.put("virtchain", vc);
        bytes.put("lowerBound", bound.boundBytes);
        bytes.put("virtchainOneAtATime", one);
        bytes.put("libvirt", lv);
        bytes.put("cinderNova", cn);
        row.put("oneAtATimeRun", oneAtATime != null ? "run"
                : "not run: no prune deleted more than one snapshot, so the plans are the same");
        row.put("cinderNovaRun", cinder != null ? "run"
                : "not run: no prune deleted the newest snapshot, where alone the rule differs from libvirt's");
        ObjectNode byKind = row.putObject("virtchainByKind");
        byKind.put("commit", planner.tally().commitBytes);
        byKind.put("activeCommit", planner.tally().activeCommitBytes);
        byKind.put("pull", planner.tally().pullBytes);
        byKind.put("merges", planner.tally().merges);
        ObjectNode ratios = row.putObject("ratios");
        ratios.put("virtchainToLowerBound", bound.ratio());
        ratios.put("oneAtATimeToVirtchain", ratio(one, vc));
        ratios.put("libvirtToVirtchain", ratio(lv, vc));
        ratios.put("cinderNovaToVirtchain", ratio(cn, vc));
        ObjectNode search = row.putObject("lowerBoundMethod");
        search.put("prunesSearched", bound.searched);
        search.put("prunesLandingBound", bound.landingBounded);
        search.put("worstPruneRatio", bound.worstRatio);
        search.put("worstPrune", bound.worst);
        row.put("seconds", Math.round(seconds * 10) / 10.0);
        return row;
    }

    /**
     * A branching history: virtchain's planner (with the lower bound) and the planner one snapshot
     * at a time. libvirt's and Cinder/Nova's rules are not run: they keep one linear chain (libvirt
     * refuses to delete a snapshot with two children).
     */
    private static ObjectNode runBranchingCase(Case c, Progress progress) {
        long t0 = System.nanoTime();
        Workload w = c.workload();
        LowerBound bound = new LowerBound(BRANCHING_SEARCH_MAX_IMAGES, false);
        PruneRun.Outcome planner = PruneRun.run(w, c.schedule(), c.history(),
                new PlannerStrategy(w, c.running(), true, bound));
        PruneRun.Outcome oneAtATime = planner.mostAtOnce() > 1
                ? PruneRun.run(w, c.schedule(), c.history(), new PlannerStrategy(w, c.running(), false, null))
                : null;
        double seconds = (System.nanoTime() - t0) / 1e9;
        progress.say(String.format("  1: %-62s %5.1f s", c.label(), seconds));
        long vc = planner.tally().total();
        long one = oneAtATime == null ? vc : oneAtATime.tally().total();
        ObjectNode row = caseRow(c, planner);
        row.put("reverts", planner.reverts());
        row.put("clones", planner.clones());
        ObjectNode bytes = row.putObject("bytes");
        bytes.put("virtchain", vc);
        bytes.put("virtchainOneAtATime", one);
        bytes.put("searchedVirtchain", bound.searchedPlannerBytes);
        bytes.put("searchedLowerBound", bound.searchedBoundBytes);
        ObjectNode ratios = row.putObject("ratios");
        ratios.put("searchedVirtchainToLowerBound", bound.searchedRatio());
        ratios.put("oneAtATimeToVirtchain", ratio(one, vc));
        ObjectNode search = row.putObject("lowerBoundMethod");
        search.put("prunesSearched", bound.searched);
        search.put("prunesNotBounded", bound.unbounded);
        search.put("worstPruneRatio", bound.worstRatio);
        search.put("worstPrune", bound.worst);
        row.put("seconds", Math.round(seconds * 10) / 10.0);
        return row;
    }

    /** What every row says of its case and of the planner's run. */
    private static ObjectNode caseRow(Case c, PruneRun.Outcome planner) {
        Workload w = c.workload();
        ObjectNode row = JSON.objectNode();
        row.put("disk", w.name());
        row.put("bytesPerHour", w.bytesPerHour());
        row.put("pattern", w.pattern().label());
        row.put("state", c.running() ? "running" : "shut off");
        row.put("schedule", c.schedule().label());
        row.put("deleted", planner.deleted());
        row.put("prunes", planner.prunes());
        row.put("mostDeletedAtOnce", planner.mostAtOnce());
        row.put("longestChain", planner.maxChainLength());
        return row;
    }

    /** The largest ratio {@code key} of any row. */
    private static double worst(ArrayNode rows, String key) {
        double worst = 0;
        for (var r : rows) {
            worst = Math.max(worst, r.get("ratios").get(key).asDouble());
        }
        return worst;
    }

    /** The sum of the rows' lower-bound count {@code key}. */
    private static long count(ArrayNode rows, String key) {
        long n = 0;
        for (var r : rows) {
            n += r.get("lowerBoundMethod").get(key).asInt();
        }
        return n;
    }

    private static void summarizeBranching(ObjectNode out, ArrayNode rows) {
        ObjectNode s = out.putObject("branchingSummary");
        double worst = worst(rows, "searchedVirtchainToLowerBound");
        s.put("worstSearchedVirtchainToLowerBound", worst);
        s.put("prunesSearched", count(rows, "prunesSearched"));
        s.put("prunesNotBounded", count(rows, "prunesNotBounded"));
        s.put("searchMaxImages", BRANCHING_SEARCH_MAX_IMAGES);
        s.put("target", "virtchain = 1.00 x the exhaustive lower bound on the prunes searched");
        s.put("met", worst <= 1.0 + 1e-9);
    }

    private static double ratio(long a, long b) {
        return b == 0 ? (a == 0 ? 1.0 : Double.POSITIVE_INFINITY) : (double) a / b;
    }

    /** Worst and best ratios over all cases, and whether the target (≤ 1.05 × bound) holds. */
    private static void summarize(ObjectNode out, ArrayNode rows) {
        ObjectNode s = out.putObject("summary");
        double worstBound = worst(rows, "virtchainToLowerBound");
        s.put("worstVirtchainToLowerBound", worstBound);
        s.put("prunesSearched", count(rows, "prunesSearched"));
        s.put("prunesLandingBound", count(rows, "prunesLandingBound"));
        s.put("target", "virtchain <= 1.05 x lower bound in every case");
        s.put("met", worstBound <= 1.05);
        for (String k : List.of("libvirtToVirtchain", "cinderNovaToVirtchain", "oneAtATimeToVirtchain")) {
            double min = Double.MAX_VALUE;
            double max = 0;
            for (var r : rows) {
                double v = r.get("ratios").get(k).asDouble();
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            s.put(k + "Min", min);
            s.put(k + "Max", max);
        }
    }
}
