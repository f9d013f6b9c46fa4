package dev.virtchain.model.plan;

import dev.virtchain.model.Disk;
import dev.virtchain.model.Image;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.Snapshot;
import dev.virtchain.model.sim.SimulatedHost;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Every valid sequence of primitive operations that merges removable images of one disk, tried
 * on simulator forks, independent of the planner's decomposition into components and landings.
 *
 * <p>Primitive operations and their validity (the design's rules, nothing more):
 * <ul>
 * <li>commit(T, B): B is a removable proper ancestor of T, B and every image strictly between
 *     have exactly one child and are removable, neither T nor its overlays are a clone's base
 *     (their backing would be rewritten); T's point in time
 *     (if any) moves into B; the images above B up to T leave.</li>
 * <li>pull(I, P): P a proper ancestor of I (or none), the images strictly between are removable,
 *     I has no clone depending on it; if the domain runs and I is in the running chain, I must be
 *     the active image. What was pulled from leaves once nothing depends on it.</li>
 * <li>a removable image without children that is not active is unlinked for free.</li>
 * </ul>
 * The result maps "images left on the disk" to the least bytes copied to get there.
 */
final class BruteForce {
    private final String disk;
    private final boolean running;
    private final Set<String> external = new HashSet<>();
    private final Map<Integer, Long> best = new TreeMap<>();
    private int explored;
    private final int limit;

    /** A search state: the host and which images are removable. */
    private record State(SimulatedHost sim, Set<String> tree, Set<String> removable, String active, long cost,
                         List<String> how) {
        State with(String step) {
            List<String> h = new ArrayList<>(how);
            h.add(step);
            return new State(sim, tree, removable, active, cost, h);
        }
    }

    /** For each number of images left, one cheapest sequence (for failure messages). */
    final Map<Integer, List<String>> bestHow = new TreeMap<>();
    private static final ThreadLocal<Map<Integer, List<String>>> LAST_HOW = ThreadLocal.withInitial(Map::of);

    /** The cheapest sequences of this thread's last search, for failure messages. */
    static Map<Integer, List<String>> lastHow() {
        return LAST_HOW.get();
    }

    private BruteForce(String disk, boolean running, int limit) {
        this.disk = disk;
        this.running = running;
        this.limit = limit;
    }

    /**
     * @param sim    the host before the plan (forked, not changed)
     * @param ledger the ledger once the deleted snapshots are out of view (removable = tombstones)
     * @return images left to least bytes copied; null if the search grew past {@code limit} states
     */
    static Map<Integer, Long> search(SimulatedHost sim, Ledger ledger, String disk, boolean running, int limit) {
        BruteForce bf = new BruteForce(disk, running, limit);
        Disk d = ledger.requireDisk(disk);
        Set<String> tree = new HashSet<>();
        for (Image i : d.images()) {
            tree.add(i.path());
        }
        Set<String> removable = new HashSet<>();
        ledger.tombstones().stream().filter(t -> t.disk().equals(disk)).forEach(t -> removable.add(t.image()));
        // A clone reads its base holder and everything below: never written, never removed.
        for (Snapshot s : ledger.snapshots()) {
            if (s.isProtected() && s.covers(disk)) {
                bf.external.addAll(sim.chain(s.holder(disk)));
            }
        }
        removable.removeAll(bf.external);
        State start = bf.sweep(new State(sim.fork(), tree, removable, d.active(), 0, List.of()));
        bf.explore(start);
        LAST_HOW.set(bf.bestHow);
        return bf.explored > limit ? null : bf.best;
    }

    private List<String> children(State s, String path) {
        List<String> out = new ArrayList<>();
        for (String c : s.sim().childrenOf(path)) {
            out.add(c);
        }
        return out;
    }

    private boolean inRunningChain(State s, String path) {
        return running && s.sim().chain(s.active()).contains(path);
    }

    /** Unlinks removable images nothing depends on. */
    private State sweep(State s) {
        boolean again = true;
        while (again) {
            again = false;
            for (String r : new ArrayList<>(s.removable())) {
                if (children(s, r).isEmpty() && !r.equals(s.active())) {
                    s.sim().unlink(r);
                    s.tree().remove(r);
                    s.removable().remove(r);
                    again = true;
                }
            }
        }
        return s;
    }

    private void explore(State s) {
        if (++explored > limit) {
            return;
        }
        Long known = best.get(s.tree().size());
        if (known == null || s.cost() < known) {
            best.put(s.tree().size(), s.cost());
            bestHow.put(s.tree().size(), s.how());
        }
        if (s.removable().isEmpty()) {
            return;
        }
        for (String top : s.tree()) {
            if (external.contains(top)) {
                continue;
            }
            List<String> below = s.sim().chain(top);
            // commit(top, B): walk down while the images between are removable with one child;
            // the top's overlays are moved onto B, so none may be a clone's base.
            boolean committable = children(s, top).stream().noneMatch(external::contains);
            for (int i = 1; committable && i < below.size(); i++) {
                String b = below.get(i);
                if (!s.removable().contains(b) || children(s, b).size() != 1) {
                    break;
                }
                explore(commit(s, top, b, below.subList(1, i)));
            }
            // pull(top, P)
            boolean pullable = !inRunningChain(s, top) || top.equals(s.active());
            if (!pullable) {
                continue;
            }
            for (int i = 1; i < below.size(); i++) {
                if (!s.removable().contains(below.get(i))) {
                    break;
                }
                String p = i + 1 < below.size() ? below.get(i + 1) : null;
                explore(pull(s, top, p));
            }
        }
    }

    private State copy(State s) {
        return new State(s.sim().fork(), new HashSet<>(s.tree()), new HashSet<>(s.removable()), s.active(), s.cost(),
                s.how());
    }

    private State commit(State s, String top, String base, List<String> between) {
        State n = copy(s);
        long bytes = top.equals(n.active()) && running ? n.sim().activeCommit(top, base) : n.sim().commit(top, base);
        String active = top.equals(n.active()) ? base : n.active();
        boolean topRemovable = n.removable().contains(top);
        List<String> gone = new ArrayList<>();
        gone.add(top); // top first: after an active commit it still points into the range
        gone.addAll(between); // nearest the top first
        for (String g : gone) {
            n.sim().unlink(g);
            n.tree().remove(g);
            n.removable().remove(g);
        }
        if (!topRemovable) {
            n.removable().remove(base);
        }
        return sweep(new State(n.sim(), n.tree(), n.removable(), active, s.cost() + bytes, s.how())
                .with("commit " + top + " into " + base + " (" + bytes + ")"));
    }

    /** The images pulled from leave once nothing else depends on them (the sweep). */
    private State pull(State s, String top, String base) {
        State n = copy(s);
        long bytes = inRunningChain(n, top) ? n.sim().pull(top, base) : n.sim().rebaseSafe(top, base);
        return sweep(new State(n.sim(), n.tree(), n.removable(), n.active(), s.cost() + bytes, s.how())
                .with("pull into " + top + " from above " + base + " (" + bytes + ")"));
    }

    /** Per-disk bytes of a plan's steps. */
    static Map<String, Long> bytesByDisk(Plan p) {
        Map<String, Long> m = new HashMap<>();
        for (Step s : p.steps()) {
            String d = s.accept(DISK);
            if (d != null) {
                m.merge(d, s.estimatedBytes(), Long::sum);
            }
        }
        return m;
    }

    static final Step.Visitor<String> DISK = new Step.Visitor<>() {
        public String createOverlay(Step.CreateOverlay s) { return s.disk(); }
        public String takeSnapshot(Step.TakeSnapshot s) { return null; }
        public String blockCommit(Step.BlockCommit s) { return s.disk(); }
        public String pivot(Step.Pivot s) { return s.disk(); }
        public String blockPull(Step.BlockPull s) { return s.disk(); }
        public String offlineRebase(Step.OfflineRebase s) { return s.disk(); }
        public String offlineCommit(Step.OfflineCommit s) { return s.disk(); }
        public String convert(Step.Convert s) { return s.disk(); }
        public String convertDiff(Step.ConvertDiff s) { return s.disk(); }
        public String setDiskSource(Step.SetDiskSource s) { return s.disk(); }
        public String stopDomain(Step.StopDomain s) { return null; }
        public String startDomain(Step.StartDomain s) { return null; }
        public String defineClone(Step.DefineClone s) { return null; }
        public String unlink(Step.Unlink s) { return s.disk(); }
        public String updateLedger(Step.UpdateLedger s) { return null; }
        public String createCopyTarget(Step.CreateCopyTarget s) { return s.disk(); }
        public String blockCopy(Step.BlockCopy s) { return s.disk(); }
        public String finishCopy(Step.FinishCopy s) { return s.disk(); }
    };
}
