package dev.virtchain.model.plan;

import dev.virtchain.model.Disk;
import dev.virtchain.model.Image;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.Names;
import dev.virtchain.model.Refused;
import dev.virtchain.model.Snapshot;
import dev.virtchain.model.Tombstone;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Plans the deletion of a set of snapshots (and finishes tombstones left by earlier plans).
 *
 * <h2>Model</h2>
 * Deleting snapshots turns their holders into <em>removable</em> images: they no longer hold a
 * point in time of their own and stay only as data their descendants read. The first ledger
 * update of the plan records them as tombstones ("merge pending"), so a plan cut short leaves a
 * valid ledger that a later plan picks up. On each disk the removable images form
 * <em>components</em> (connected by backing links); a component has a root, the image below it
 * {@code B0} (or none), and <em>exits</em>: the kept images (holders, the active image) directly
 * above its members.
 *
 * <h2>Choices per component</h2>
 * One exit {@code K} stays on top of its path of members {@code R1..Rk} (bottom to top); every
 * other exit <em>leaves</em>: it carries its point in time past the component onto {@code B0}.
 * Either way an exit's point in time <em>lands</em> in one image {@code L}:
 * <ul>
 * <li>{@code L = K}: pull into K, base B0. Costs {@code pull(K, B0)}.</li>
 * <li>{@code L = Rj}: commit K (and the images between) into Rj, so K's point in time moves down
 *     into Rj; then, if {@code j > 1}, pull R1..R(j-1) into Rj. Costs
 *     {@code alloc(K) + pull(K, Rj) + pull(K, B0) - pull(K, R(j-1))}: the commit copies everything
 *     above Rj; the pull then copies what R1..R(j-1) hold that nothing above them overwrote.</li>
 * </ul>
 * A leaving exit may land only in members of its own branch (those with it as their only
 * dependant); leavers go first, as they only read what the staying exit's landing then changes.
 * For a linear component (no member with two dependants), with {@code U = alloc(K) + pull(K, B0)}
 * the data above B0, landing in {@code L} costs {@code U} minus what {@code L} already holds that
 * nothing above it overwrites; that is a lower bound for any sequence of commits and pulls ending
 * with the point in time in {@code L}, so the cheapest valid landing is the cheapest plan. The
 * property tests check this against a brute-force search.
 * "pull" above is a block stream when QEMU has the target open and {@code qemu-img rebase}
 * otherwise, costed with {@link AllocationFacts#bytesRebaseWouldCopy}.
 *
 * <h2>Branching components</h2>
 * Where a member has several dependants (after a revert) the choice above is a heuristic: with
 * only one exit staying and the others landing in their own branch, it misses plans in which
 * several exits land in shared members, such as: one exit leaves, a shared member is cut loose
 * from B0 by a pull into it, a second exit lands in that member and a third in the root (over
 * 6,000 random histories the brute force found such plans for 9 of 5,724 branching deletes, up
 * to 2.5 times cheaper).
 * So a component with more than one exit is also handed to {@link MergeSearch}, an exhaustive
 * search over every valid sequence of commits and pulls (the moves the brute force tries), and
 * its plan is taken when it leaves fewer images or copies fewer bytes than the heuristic's. The
 * search's size depends only on the component's shape (its members, where the exits sit, which
 * image QEMU has open), never on the data, so the boundary is exact:
 * <ul>
 * <li>up to 8 images (exits, and the members some exit depends on; members nothing depends on
 *     leave for free): every shape is searched to the end, at most 33,005 states (five members in
 *     a chain under three exits; {@code MergeSearchTest} enumerates all 1,692 combinations of
 *     shape and open image), so the plan is the cheapest valid one;</li>
 * <li>9 or 10 images: searched to the end unless the search passes
 *     {@link MergeSearch#MAX_STATES} states, which 114 of the 3,059 combinations of 9 images do
 *     (all but one have two or more exits on the fourth member of a chain or higher) and 1,632
 *     of the 8,617 of 10; those, like every component of more than
 *     {@link MergeSearch#MAX_IMAGES} images, get the heuristic's plan, which may copy more than
 *     the cheapest.</li>
 * </ul>
 * The property tests require the cheapest plan on every disk their brute force can enumerate,
 * linear or branching; all of those are within the search.
 *
 * <h2>Validity</h2>
 * <ul>
 * <li>A clone's QEMU reads its base holder and every image below it: those are never written,
 *     removed or rewired. Removable images among them stay as tombstones.</li>
 * <li>Writing an image QEMU has open (the running domain's active chain) needs a block job:
 *     libvirt pulls only into the active image ({@link HostCapabilities#livePullIntoActiveOnly})
 *     and commits anywhere below the top it is given. Images off the running chain (other
 *     branches) and every image of a shut-off domain are changed with qemu-img.</li>
 * <li>Commit targets are removable images with a single dependant, so no other image sees their
 *     content change.</li>
 * </ul>
 * If some exit can neither stay nor leave, the member right under it stays as a tombstone (with
 * the reason) and the rest of the component is merged around it. A searched component keeps the
 * fewest members any valid sequence can, for the same reasons.
 *
 * <h2>Costs across steps</h2>
 * All estimates use the facts measured before the plan. They stay exact because of the order:
 * components are merged deepest first, and no step writes an image whose facts a later step
 * reads (later steps only read {@code alloc} and {@code pull} of exits, which only their own
 * component's steps write; the follow-up pull into Rj is costed from K's facts as above). A
 * searched sequence is costed from the same facts, by tracking which original images each
 * image's data comes from (see {@link MergeSearch}).
 */
final class DeletePlanner {
    private static final String PENDING = Tombstone.MERGE_PENDING;

    private final Situation situation;
    private final HostCapabilities caps;
    private final AllocationFacts facts;
    private final PlanBuilder b;
    private final String domain;

    DeletePlanner(Situation situation, HostCapabilities caps) {
        this.situation = situation;
        this.caps = caps;
        this.facts = situation.facts();
        this.b = new PlanBuilder(situation.ledger());
        this.domain = situation.ledger().domainName();
    }

    Plan plan(Intent.Delete intent) {
        Ledger ledger = situation.ledger();
        List<String> names = new ArrayList<>(new TreeSet<>(intent.names()));
        for (String n : names) {
            Names.requireValid("snapshot", n, domain);
        }
        for (String n : names) {
            Snapshot s = ledger.requireSnapshot(n);
            if (s.isHeld()) {
                throw new Refused(Refused.Reason.HELD, "snapshot " + n + " of domain " + domain + " is held by "
                        + s.holds() + "; release the hold(s) first ('virtchain snapshot-release " + domain + " " + n
                        + " TAG')", domain, null, n, null);
            }
            if (s.isProtected()) {
                throw new Refused(Refused.Reason.PROTECTED, "snapshot " + n + " of domain " + domain
                        + " is the base of clone(s) " + s.protectedBy() + "; flatten or remove the clone(s) first",
                        domain, null, n, null);
            }
        }
        Planner.requireChainsMatch(situation);

        // Out of the user's view at once; the holders become pending tombstones.
        Ledger l = ledger;
        for (Snapshot s : ledger.snapshots()) {
            if (intent.names().contains(s.name())) {
                for (Map.Entry<String, String> h : s.holders().entrySet()) {
                    l = l.withTombstone(new Tombstone(h.getKey(), h.getValue(), s.name(), PENDING));
                }
                l = l.withoutSnapshot(s.name());
            }
        }
        b.ledger(l);
        b.persistLedger();

        for (String disk : ledger.diskTargets()) {
            planDisk(disk);
        }
        return b.build(intent);
    }

    // ------------------------------------------------------------------ per disk

    /** The tree of one disk as it is at some point of the plan. */
    private final class Tree {
        final String target;
        private String active;
        final Map<String, Image> byPath;
        final Map<String, List<String>> children;
        final Set<String> removable;
        private final Set<String> liveChain = new HashSet<>();
        private boolean liveStale = true;
        final Map<String, Set<String>> clonesOf = new HashMap<>();
        private final Map<String, Integer> depths;

        /**
         * Built once per disk, then kept in step with the ledger by {@link #rewire}, {@link #drop}
         * and {@link #activate}: rebuilding it per component would cost O(n) each time.
         */
        Tree(String target) {
            Ledger l = b.ledger();
            Disk disk = l.requireDisk(target);
            this.target = target;
            this.active = disk.active();
            int n = disk.images().size() * 2;
            byPath = new HashMap<>(n);
            children = new HashMap<>(n);
            removable = new HashSet<>(n);
            depths = new HashMap<>(n);
            for (Image i : disk.images()) {
                byPath.put(i.path(), i);
                if (i.backing() != null) {
                    children.computeIfAbsent(i.backing(), k -> new ArrayList<>()).add(i.path());
                }
            }
            for (List<String> c : children.values()) {
                Collections.sort(c);
            }
            for (Tombstone t : l.tombstones()) {
                if (t.disk().equals(target)) {
                    removable.add(t.image());
                }
            }
            // A clone's QEMU reads its base holder and everything below it: none of it is written.
            for (Snapshot s : l.snapshots()) {
                String h = s.holder(target);
                if (h != null && s.isProtected()) {
                    for (String at = h; at != null; at = byPath.get(at).backing()) {
                        clonesOf.computeIfAbsent(at, k -> new TreeSet<>()).addAll(s.protectedBy());
                    }
                }
            }
            removable.removeIf(clonesOf::containsKey);
        }

        /** {@code path} is now backed by {@code newBacking}. */
        void rewire(String path, String newBacking) {
            Image i = byPath.get(path);
            List<String> siblings = i.backing() == null ? null : children.get(i.backing());
            if (siblings != null) {
                siblings.remove(path);
            }
            byPath.put(path, i.withBacking(newBacking));
            if (newBacking != null) {
                List<String> c = children.computeIfAbsent(newBacking, k -> new ArrayList<>());
                int at = Collections.binarySearch(c, path);
                c.add(at < 0 ? -at - 1 : at, path);
            }
            liveStale = true;
        }

        /** {@code path} left the tree. */
        void drop(String path) {
            Image i = byPath.remove(path);
            List<String> siblings = i.backing() == null ? null : children.get(i.backing());
            if (siblings != null) {
                siblings.remove(path);
            }
            children.remove(path);
            removable.remove(path);
            liveStale = true;
        }

        void activate(String path) {
            active = path;
            liveStale = true;
        }

        List<String> children(String path) {
            return children.getOrDefault(path, List.of());
        }

        String parent(String path) {
            return byPath.get(path).backing();
        }

        /** Whether QEMU has {@code path} open: the running domain's active chain. */
        boolean live(String path) {
            if (!situation.running()) {
                return false;
            }
            if (liveStale) {
                liveChain.clear();
                for (String at = active; at != null && liveChain.add(at); at = byPath.get(at).backing()) {
                    // active image down to its base
                }
                liveStale = false;
            }
            return liveChain.contains(path);
        }

        boolean active(String path) {
            return active.equals(path);
        }

        /** The active chain as it is now, active image first. */
        List<String> activeChain() {
            List<String> chain = new ArrayList<>();
            for (String at = active; at != null; at = byPath.get(at).backing()) {
                chain.add(at);
            }
            return chain;
        }

        boolean external(String path) {
            return clonesOf.containsKey(path);
        }

        /** Whether data may be pulled into {@code path} now. */
        boolean pullable(String path) {
            return !external(path) && (!live(path) || active(path) || !caps.livePullIntoActiveOnly());
        }

        /** Distance from the tree's root, memoised: components are ordered by it on long chains. */
        int depth(String path) {
            Integer known = depths.get(path);
            if (known != null) {
                return known;
            }
            List<String> walked = new ArrayList<>();
            String at = path;
            int base = -1;
            while (at != null) {
                Integer k = depths.get(at);
                if (k != null) {
                    base = k;
                    break;
                }
                walked.add(at);
                at = parent(at);
            }
            for (int i = walked.size() - 1; i >= 0; i--) {
                depths.put(walked.get(i), ++base);
            }
            return depths.get(path);
        }

        String rootOf(String member, Map<String, String> memo) {
            List<String> walked = new ArrayList<>();
            String at = member;
            String root;
            while (true) {
                String known = memo.get(at);
                if (known != null) {
                    root = known;
                    break;
                }
                walked.add(at);
                String p = parent(at);
                if (p == null || !removable.contains(p)) {
                    root = at;
                    break;
                }
                at = p;
            }
            for (String w : walked) {
                memo.put(w, root);
            }
            return root;
        }
    }

    private void planDisk(String target) {
        Tree t = new Tree(target);
        Set<String> shared = new TreeSet<>();
        for (Tombstone ts : b.ledger().tombstones()) {
            if (ts.disk().equals(target) && t.external(ts.image())) {
                shared.add(ts.image());
            }
        }
        if (!shared.isEmpty()) {
            keepAsTombstones(t, shared, List.of());
        }
        // Components are merged deepest first. Merging one changes nothing below it, so the
        // depths of what is left stay valid.
        while (true) {
            Map<String, String> memo = new HashMap<>();
            Map<String, List<String>> components = new HashMap<>();
            for (String r : t.removable) {
                components.computeIfAbsent(t.rootOf(r, memo), k -> new ArrayList<>()).add(r);
            }
            String next = null;
            int nextDepth = -1;
            for (String root : components.keySet()) {
                int d = t.depth(root);
                if (d > nextDepth || (d == nextDepth && root.compareTo(next) < 0)) {
                    next = root;
                    nextDepth = d;
                }
            }
            if (next == null) {
                return;
            }
            // Members that must stay (under an exit no plan can move) are kept like holders.
            t.removable.removeAll(resolve(t, next, new HashSet<>(components.get(next))));
        }
    }

    /** One way to merge a component: which exit stays on top, and where it lands. */
    private record Choice(String top, List<String> path, int landing, long cost) {
        // landing: index into path (0 = R1), or -1 for "pull into top"
    }

    /**
     * Merges one component; if no exit can stay on top while the others leave, returns the
     * members that must stay (those directly under a stuck exit) so the rest can be merged
     * around them.
     */
    private Set<String> resolve(Tree t, String root, Set<String> members) {
        String base = t.parent(root);
        List<String> exits = new ArrayList<>();
        for (String m : members) {
            for (String c : t.children(m)) {
                if (!members.contains(c)) {
                    exits.add(c);
                }
            }
        }
        // Deterministic order: the exit on the running chain first, then by path.
        exits.sort(Comparator.comparing((String e) -> !t.live(e)).thenComparing(e -> e));
        String disk = t.target;

        if (exits.isEmpty()) {
            Ledger l = b.ledger();
            List<String> gone = topDown(t, members);
            for (String m : gone) {
                l = l.withImageRemoved(disk, m);
            }
            b.ledger(l);
            b.persistLedger();
            for (String m : gone) {
                t.drop(m);
                b.unlink(disk, m);
            }
            return Set.of();
        }

        // Each exit as the one that stays on top (landing anywhere on its path), and as one that
        // leaves the component (landing in its own branch, then pulling past the shared part).
        int n = exits.size();
        Choice[] asTop = new Choice[n];
        Choice[] asOther = new Choice[n];
        int leavers = 0;
        long othersAll = 0;
        for (int i = 0; i < n; i++) {
            String e = exits.get(i);
            List<String> path = pathBelow(t, e, members);
            asTop[i] = bestLanding(t, e, path, base, 0);
            if (n > 1) {
                asOther[i] = bestLanding(t, e, path, base, path.size() - exclusive(t, path));
                if (asOther[i] != null) {
                    leavers++;
                    othersAll += asOther[i].cost();
                }
            }
        }
        int best = -1;
        long bestCost = Long.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            boolean othersCanLeave = leavers - (asOther[i] != null ? 1 : 0) == n - 1;
            if (asTop[i] == null || !othersCanLeave) {
                continue;
            }
            long cost = othersAll - (asOther[i] != null ? asOther[i].cost() : 0) + asTop[i].cost();
            if (cost < bestCost) {
                best = i;
                bestCost = cost;
            }
        }
        Set<String> dependedOn = new HashSet<>();
        for (int i = 0; n > 1 && i < n; i++) {
            dependedOn.addAll(pathBelow(t, exits.get(i), members));
        }
        if (n > 1 && dependedOn.size() + n <= MergeSearch.MAX_IMAGES) {
            // Branching and small: the heuristic above may miss a cheaper order (landing several
            // exits in shared members); search them all, keep the heuristic's plan on a tie.
            // Members no exit depends on leave for free first and are not searched.
            MergeSearch.Result r = search(t, base, dependedOn, exits);
            if (r != null && (best < 0 || r.left() < n || (r.left() == n && r.cost() < bestCost))) {
                return merge(t, members, r);
            }
        }
        if (best < 0) {
            Set<String> stay = new TreeSet<>();
            List<String> stuck = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (n == 1 ? asTop[i] == null : asOther[i] == null) {
                    stuck.add(exits.get(i));
                    stay.add(t.parent(exits.get(i)));
                }
            }
            if (stay.isEmpty()) {
                stay.addAll(members); // cannot happen: some exit is stuck; stay whole rather than loop
            }
            keepAsTombstones(t, stay, stuck);
            return stay;
        }
        // Leavers first: they only read the shared part, which the top's landing then changes.
        for (int i = 0; i < n; i++) {
            if (i != best) {
                land(t, asOther[i], base, false);
            }
        }
        Set<String> offPath = new HashSet<>(members);
        offPath.removeAll(asTop[best].path());
        Ledger afterLeavers = b.ledger();
        offPath.removeIf(m -> afterLeavers.tombstone(disk, m).isEmpty()); // gone, or a leaver's landing
        if (!offPath.isEmpty()) {
            // Members off the top's path have no dependants left (or never had: a dead branch);
            // they go before anything is committed into the path, which must be their only user.
            Ledger l = b.ledger();
            List<String> gone = topDown(t, offPath);
            for (String m : gone) {
                l = l.withImageRemoved(disk, m);
            }
            b.ledger(l);
            b.persistLedger();
            for (String m : gone) {
                t.drop(m);
                b.unlink(disk, m);
            }
        }
        land(t, asTop[best], base, true);
        return Set.of();
    }

    /** Runs {@link MergeSearch} on one component as the tree shows it now. */
    private MergeSearch.Result search(Tree t, String base, Set<String> members, List<String> exits) {
        List<String> images = new ArrayList<>(new TreeSet<>(members));
        images.addAll(exits);
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < images.size(); i++) {
            index.put(images.get(i), i);
        }
        int[] parent = new int[images.size()];
        int memberBits = 0;
        for (int i = 0; i < images.size(); i++) {
            String p = t.parent(images.get(i));
            parent[i] = p == null || p.equals(base) ? -1 : index.get(p);
            if (members.contains(images.get(i))) {
                memberBits |= 1 << i;
            }
        }
        int entry = -1;
        if (situation.running()) {
            for (String at : t.activeChain()) {
                Integer i = index.get(at);
                if (i != null) {
                    entry = i;
                    break;
                }
            }
        }
        boolean entryActive = entry >= 0 && t.active(images.get(entry));
        return new MergeSearch(images, parent, memberBits, base, situation.running(), caps.livePullIntoActiveOnly(),
                entry, entryActive, facts).run();
    }

    /**
     * Carries out a searched sequence; members nothing depends on leave after each operation.
     * Returns the members that stay (a stuck exit above them), kept as tombstones.
     */
    private Set<String> merge(Tree t, Set<String> members, MergeSearch.Result r) {
        sweep(t, members);
        for (MergeSearch.Move m : r.moves()) {
            if (m instanceof MergeSearch.Commit c) {
                commitInto(t, c.top(), c.base(), c.between(), c.cost());
            } else if (m instanceof MergeSearch.Pull p) {
                pullInto(t, p.image(), p.base(), p.cost());
            }
            sweep(t, members);
        }
        Set<String> stay = new TreeSet<>();
        for (String m : members) {
            if (t.removable.contains(m)) {
                stay.add(m);
            }
        }
        if (!stay.isEmpty()) {
            List<String> stuck = new ArrayList<>();
            for (String m : stay) {
                for (String c : t.children(m)) {
                    if (!t.removable.contains(c) && (t.external(c) || (t.live(c) && !t.pullable(c)))) {
                        stuck.add(c);
                    }
                }
            }
            keepAsTombstones(t, stay, stuck);
        }
        return stay;
    }

    /** Removes the members of {@code members} that nothing depends on any more, then records the ledger. */
    private void sweep(Tree t, Set<String> members) {
        Set<String> gone = new HashSet<>();
        boolean again = true;
        while (again) {
            again = false;
            for (String m : members) {
                if (gone.contains(m) || !t.removable.contains(m) || t.active(m)) {
                    continue;
                }
                boolean used = false;
                for (String c : t.children(m)) {
                    used |= !gone.contains(c);
                }
                if (!used) {
                    gone.add(m);
                    again = true;
                }
            }
        }
        if (!gone.isEmpty()) {
            List<String> order = topDown(t, gone);
            Ledger l = b.ledger();
            for (String m : order) {
                l = l.withImageRemoved(t.target, m);
            }
            b.ledger(l);
            b.persistLedger();
            for (String m : order) {
                t.drop(m);
                b.unlink(t.target, m);
            }
        }
        b.persistLedger();
    }

    /** How many members directly below the exit (top of {@code path}) have that one dependant only. */
    private static int exclusive(Tree t, List<String> path) {
        int k = 0;
        while (k < path.size() && t.children(path.get(path.size() - 1 - k)).size() == 1) {
            k++;
        }
        return k;
    }

    /**
     * The cheapest way to carry {@code top}'s point in time down past {@code path} (members,
     * bottom first) onto {@code base}, landing in the top or in a path member at index
     * {@code minLanding} or above; null if none is valid. Costs are from the facts as measured.
     */
    private Choice bestLanding(Tree t, String top, List<String> path, String base, int minLanding) {
        if (t.external(top)) {
            return null;
        }
        boolean live = t.live(top);
        boolean active = t.active(top);
        boolean pullAfterCommitOk = !live || active || !caps.livePullIntoActiveOnly();
        // What a pull (live) or safe rebase (offline) into the top from everything above B0 copies.
        long pullAll = pullCost(t, top, base);
        Choice best = null;
        if (t.pullable(top)) {
            best = new Choice(top, path, -1, pullAll);
        }
        long alloc = facts.allocatedBytes(top);
        // the same measure down to R(j-1), with R0 = B0
        long pullBelowPrev = minLanding == 0 ? pullAll : pullCost(t, top, path.get(minLanding - 1));
        for (int j = minLanding; j < path.size(); j++) {
            long commit = alloc + facts.bytesPullWouldCopy(top, path.get(j));
            long pullBelowThis = pullCost(t, top, path.get(j));
            if (j == 0 || pullAfterCommitOk) {
                long cost = commit + (j == 0 ? 0 : pullAll - pullBelowPrev);
                if (best == null || cost < best.cost()) {
                    best = new Choice(top, path, j, cost);
                }
            }
            pullBelowPrev = pullBelowThis;
        }
        return best;
    }

    /**
     * Bytes moving the data of the images between {@code target} and {@code base} into
     * {@code target} copies: a block stream if QEMU has the target open, else a safe rebase.
     * After the top was committed into a landing image, the landing's follow-up pull is costed
     * from the top's facts: {@code pullCost(top, B0) - pullCost(top, R(j-1))}.
     */
    private long pullCost(Tree t, String target, String base) {
        return pullCost(t.live(target), target, base);
    }

    private long pullCost(boolean live, String target, String base) {
        return live ? facts.bytesPullWouldCopy(target, base) : facts.bytesRebaseWouldCopy(target, base);
    }

    /** Members from the root up to {@code top}'s parent, bottom first. */
    private static List<String> pathBelow(Tree t, String top, Set<String> members) {
        List<String> path = new ArrayList<>();
        for (String at = t.parent(top); at != null && members.contains(at); at = t.parent(at)) {
            path.add(at);
        }
        Collections.reverse(path);
        return path;
    }

    private static List<String> topDown(Tree t, Set<String> members) {
        List<String> list = new ArrayList<>(members);
        Map<String, Integer> depth = new HashMap<>();
        for (String m : list) {
            depth.put(m, t.depth(m));
        }
        list.sort(Comparator.comparing((String m) -> -depth.get(m)).thenComparing(m -> m));
        return list;
    }

    /**
     * Carries {@code c.top()}'s point in time onto {@code base} as chosen. With
     * {@code removeBelow} the path members under the landing go too (the top's path); a leaving
     * exit leaves them to whoever still uses them.
     */
    private void land(Tree t, Choice c, String base, boolean removeBelow) {
        String top = c.top();
        List<String> path = c.path();
        if (c.landing() < 0) {
            pullInto(t, top, base, pullCost(t, top, base));
            if (removeBelow) {
                removeAndUnlink(t, path);
            } else {
                b.persistLedger();
            }
            return;
        }
        // Commit the top into Rj: its point in time moves down.
        int j = c.landing();
        String landing = path.get(j);
        long commitCost = facts.allocatedBytes(top) + facts.bytesPullWouldCopy(top, landing);
        boolean live = t.live(top);
        commitInto(t, top, landing, reversed(path.subList(j + 1, path.size())), commitCost);
        if (j > 0) {
            // Pull what R1..R(j-1) still contribute into the landing image.
            // Costed from the top's facts, with the top's liveness from before it was committed.
            long pullCost = pullCost(live, top, base) - pullCost(live, top, path.get(j - 1));
            pullInto(t, landing, base, pullCost);
            if (removeBelow) {
                removeAndUnlink(t, path.subList(0, j));
            } else {
                b.persistLedger();
            }
        }
    }

    /**
     * Commits {@code top} into {@code landing} through {@code between} (members, top's parent
     * first, each with that one dependant): {@code top}'s point in time, if it has one, moves down
     * into {@code landing}; {@code top} and {@code between} leave.
     */
    private void commitInto(Tree t, String top, String landing, List<String> between, long commitCost) {
        String disk = t.target;
        boolean live = t.live(top);
        boolean active = t.active(top);
        boolean keptTop = !t.removable.contains(top);
        List<String> topChildren = new ArrayList<>(t.children(top));
        Ledger l = b.ledger();
        for (String child : topChildren) {
            l = l.withBackingRewritten(disk, child, landing);
        }
        if (active) {
            l = l.withActive(disk, landing);
        }
        for (Snapshot s : l.snapshots()) {
            if (top.equals(s.holder(disk))) {
                l = l.withHolderMoved(s.name(), disk, landing);
            }
        }
        List<String> committed = reversed(between);
        committed.add(top);
        for (String m : committed) {
            l = l.withImageRemoved(disk, m);
        }
        if (keptTop) {
            l = l.withoutTombstone(disk, landing);
        }
        Set<String> liveChildren = new HashSet<>();
        for (String child : topChildren) {
            if (t.live(child)) {
                liveChildren.add(child);
            }
        }
        String dir = t.byPath.get(landing).directory();
        for (String child : topChildren) {
            t.rewire(child, landing);
        }
        if (active) {
            t.activate(landing);
        }
        if (keptTop) {
            t.removable.remove(landing);
        }
        for (String m : committed) {
            t.drop(m);
        }
        List<String> chainAfter = t.activeChain();
        if (live) {
            b.add(new Step.BlockCommit(disk, top, landing, active, commitCost, dir, chainAfter));
            if (active) {
                b.add(new Step.Pivot(disk, landing, chainAfter));
            }
            for (String child : topChildren) {
                if (!liveChildren.contains(child)) {
                    b.add(new Step.OfflineRebase(disk, child, landing, false, 0, null));
                }
            }
        } else {
            b.add(new Step.OfflineCommit(disk, top, landing, commitCost, dir));
            for (String child : topChildren) {
                b.add(new Step.OfflineRebase(disk, child, landing, false, 0, null));
            }
            if (active) {
                b.add(new Step.SetDiskSource(disk, landing, chainAfter));
            }
        }
        b.ledger(l);
        b.persistLedger();
        for (String m : reversed(committed)) {
            b.unlink(disk, m);
        }
    }

    /** Pull into {@code target} from everything down to {@code base}: live if QEMU has it open. */
    private void pullInto(Tree t, String target, String base, long cost) {
        String disk = t.target;
        Ledger l = b.ledger().withBackingRewritten(disk, target, base);
        b.ledger(l);
        String dir = t.byPath.get(target).directory();
        boolean live = t.live(target);
        t.rewire(target, base);
        if (live) {
            b.add(new Step.BlockPull(disk, target, base, cost, dir, t.activeChain()));
        } else {
            b.add(new Step.OfflineRebase(disk, target, base, true, cost, dir));
        }
    }

    private void removeAndUnlink(Tree t, List<String> bottomUp) {
        String disk = t.target;
        Ledger l = b.ledger();
        for (String m : bottomUp) {
            l = l.withImageRemoved(disk, m);
        }
        b.ledger(l);
        b.persistLedger();
        for (String m : reversed(bottomUp)) {
            t.drop(m);
            b.unlink(disk, m);
        }
    }

    private static List<String> reversed(List<String> list) {
        List<String> r = new ArrayList<>(list);
        Collections.reverse(r);
        return r;
    }

    private void keepAsTombstones(Tree t, Set<String> stay, List<String> stuck) {
        String disk = t.target;
        Ledger l = b.ledger();
        for (String m : stay) {
            List<String> why = new ArrayList<>();
            for (String e : stuck) {
                if (!m.equals(t.parent(e))) {
                    continue;
                }
                if (t.external(e)) {
                    why.add(e + " holds the base of clone(s) " + t.clonesOf.get(e) + " and is never written");
                } else {
                    why.add(e + " is open in the running chain but not active (libvirt pulls only into the active"
                            + " image)");
                }
            }
            String reason = t.external(m) ? "under the base of clone(s) " + t.clonesOf.get(m) + ", which read it"
                    : why.isEmpty() ? "kept for its dependants" : "kept for " + String.join("; ", why);
            Tombstone old = l.tombstone(disk, m).orElseThrow();
            if (!old.reason().equals(reason)) {
                l = l.withTombstone(new Tombstone(disk, m, old.snapshot(), reason));
            }
        }
        b.ledger(l);
        b.persistLedger();
    }
}
