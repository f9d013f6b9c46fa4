package dev.virtchain.model.plan;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The cheapest way to merge one small component whose members branch: an exhaustive search over
 * every valid sequence of the primitive operations, with the cost of each taken from the facts
 * measured before the plan. {@link DeletePlanner} uses it for components with more than one exit
 * and at most {@link #MAX_IMAGES} images (the exits and the members they depend on).
 *
 * <h2>Operations</h2>
 * The design's primitives, valid under the same rules as everywhere else in the planner:
 * <ul>
 * <li>commit T into B: B is a member below T; B and every image between have exactly one child
 *     and are members. T's point in time (if it has one) moves into B; T and the images between
 *     leave. Live if QEMU has T open.</li>
 * <li>pull into I from above P: P is below I (or the component's base), the images between are
 *     members; if QEMU has I open, I is the active image (unless the host streams into any open
 *     image). A block stream if QEMU has I open, else a safe {@code qemu-img rebase}.</li>
 * <li>a member no image depends on leaves for free.</li>
 * </ul>
 * The search minimises the images left, then the bytes copied, then the number of operations.
 *
 * <h2>Costs from facts measured once</h2>
 * Each image holds the data of a run of images of one original chain, its <em>interval</em>:
 * from its {@code top} (the highest image committed into it, or itself) down to the lowest image
 * pulled into it; the image under it holds the run right below. Commits and pulls keep that true,
 * so every cost is a difference of quantities measured before the plan. With {@code U(X, Y)} the
 * data of the original images from X down to, not including, Y ({@code allocatedBytes(X) +
 * bytesPullWouldCopy(X, Y)}):
 * <ul>
 * <li>commit T into B copies {@code U(top(T), top(B))};</li>
 * <li>pull into I from above P copies {@code U(top(I), top(P)) - U(top(I), top(parent(I)))}; when
 *     QEMU does not have I open, with {@link AllocationFacts#bytesRebaseWouldCopy} in place of
 *     the pull, as a safe rebase skips clusters the new backing already shows (the zeroes of a
 *     raw base, when the new backing is none).</li>
 * </ul>
 * Commits and block streams copy allocation, so theirs are exact. The rebase differences are
 * exact as long as no image of a chain holds the same data in a cluster as an image below it
 * (a raw base's zeroes are at the bottom), which commits and pulls do not create: copied data
 * replaces, in every chain that reads it, the image it came from. The property tests check every
 * estimate against the bytes the simulator copies.
 *
 * <h2>Size</h2>
 * The number of states depends only on the shape: which images are members, where the exits
 * sit, which image QEMU has open. It grows about sixfold per image on long member chains under
 * several exits; {@link #MAX_STATES} is the budget, above the 33,005 the widest shape of eight
 * images needs. A search that passes it returns null and the caller keeps its heuristic. Which
 * components that leaves to the heuristic is listed in {@link DeletePlanner}.
 */
final class MergeSearch {
    /** Components with at most this many images (exits and the members they depend on) are searched. */
    static final int MAX_IMAGES = 10;
    /**
     * States a search may visit: every shape of up to eight images needs at most 33,005, and the
     * property tests' brute force gives up after 20,000 sequences, so whatever it enumerates fits.
     */
    static final int MAX_STATES = 40_000;

    private static final int B0 = -1;

    /** One operation of the chosen sequence. */
    sealed interface Move permits Commit, Pull {
        long cost();
    }

    /**
     * Commit {@code top} into {@code base}.
     *
     * @param between the images between them, {@code top}'s parent first
     */
    record Commit(String top, String base, List<String> between, long cost) implements Move {
    }

    /** Pull into {@code image} the data of the images above {@code base} (null: the whole chain). */
    record Pull(String image, String base, long cost) implements Move {
    }

    /**
     * @param left  images of the component still there at the end (exits, landings, members kept)
     * @param cost  bytes copied
     * @param moves in order; members nobody depends on leave after each
     */
    record Result(int left, long cost, List<Move> moves) {
    }

    private final String[] images;
    private final int[] origParent;
    private final String base;
    private final int members;
    private final boolean running;
    private final boolean pullIntoActiveOnly;
    private final int entry;
    private final boolean entryActive;
    private final AllocationFacts facts;

    private final long[] alloc;
    private final long[][] pull;
    private final long[][] rebase;
    private final Map<State, Best> memo = new HashMap<>();

    /**
     * @param images      the component's members and exits
     * @param origParent  per image, the index of its backing image, or -1 for {@code base}
     * @param members     bit i set if image i is a member (removable)
     * @param base        the image under the component, or null
     * @param entry       the highest image QEMU has open (-1: none), {@code entryActive} if the guest
     *                    writes it
     */
    MergeSearch(List<String> images, int[] origParent, int members, String base, boolean running,
                boolean pullIntoActiveOnly, int entry, boolean entryActive, AllocationFacts facts) {
        if (images.size() > MAX_IMAGES_REPRESENTED) {
            throw new IllegalArgumentException("a searched component has at most " + MAX_IMAGES_REPRESENTED
                    + " images, not " + images.size());
        }
        this.images = images.toArray(new String[0]);
        this.origParent = origParent.clone();
        this.members = members;
        this.base = base;
        this.running = running;
        this.pullIntoActiveOnly = pullIntoActiveOnly;
        this.entry = entry;
        this.entryActive = entryActive;
        this.facts = facts;
        int n = images.size();
        alloc = new long[n];
        pull = new long[n][n + 1];
        rebase = new long[n][n + 1];
        Arrays.fill(alloc, -1);
        for (int i = 0; i < n; i++) {
            Arrays.fill(pull[i], -1);
            Arrays.fill(rebase[i], -1);
        }
    }

    /** The cheapest sequence, or null if the search grew past {@link #MAX_STATES}. */
    Result run() {
        State start = State.initial(origParent, members, entry, entryActive).sweep(images.length);
        try {
            solve(start);
        } catch (TooLarge e) {
            return null;
        }
        Best b = memo.get(start);
        List<Move> moves = new ArrayList<>();
        for (State s = start; memo.get(s).op != STOP; s = apply(s, memo.get(s).op)) {
            moves.add(describe(s, memo.get(s).op));
        }
        return new Result(b.left, b.cost, moves);
    }

    int statesExplored() {
        return memo.size();
    }

    // ------------------------------------------------------------------ search

    /** Ops are ints: bit 0 commit (else pull), bits 1-4 the image, bits 5-9 the base index + 1. */
    private static final int STOP = -1;

    private static int commit(int top, int into) {
        return 1 | top << 1 | (into + 1) << 5;
    }

    private static int pull(int image, int from) {
        return image << 1 | (from + 1) << 5;
    }

    private static boolean isCommit(int op) {
        return (op & 1) != 0;
    }

    private static int opImage(int op) {
        return (op >>> 1) & 0xF;
    }

    private static int opBase(int op) {
        return (op >>> 5) - 1;
    }

    private record Best(int left, long cost, int ops, int op) {
        boolean betterThan(int oLeft, long oCost, int oOps) {
            if (left != oLeft) {
                return left < oLeft;
            }
            if (cost != oCost) {
                return cost < oCost;
            }
            return ops < oOps;
        }
    }

    private static final class TooLarge extends RuntimeException {
        TooLarge() {
            super(null, null, false, false);
        }
    }

    private Best solve(State s) {
        Best known = memo.get(s);
        if (known != null) {
            return known;
        }
        if (memo.size() >= MAX_STATES) {
            throw new TooLarge();
        }
        int n = images.length;
        int oneChild = s.withChildren(n) & ~s.withSeveralChildren(n);
        int live = s.liveMask();
        Best best = new Best(Integer.bitCount(s.alive()), 0, 0, STOP);
        for (int i = 0; i < n; i++) {
            if (!s.isAlive(i)) {
                continue;
            }
            for (int at = s.parent(i); at != B0 && s.isRemovable(at) && (oneChild & 1 << at) != 0; at = s.parent(at)) {
                best = consider(s, commit(i, at), live, best);
            }
            boolean pullable = (live & 1 << i) == 0 || (i == s.entry() && s.entryActive()) || !pullIntoActiveOnly;
            if (pullable) {
                for (int at = s.parent(i); at != B0 && s.isRemovable(at); at = s.parent(at)) {
                    best = consider(s, pull(i, s.parent(at)), live, best);
                }
            }
        }
        memo.put(s, best);
        return best;
    }

    private Best consider(State s, int op, int live, Best best) {
        long c = cost(s, op, live);
        Best after = solve(apply(s, op));
        long cost = after.cost + c;
        int ops = after.ops + 1;
        return best.betterThan(after.left, cost, ops) ? best : new Best(after.left, cost, ops, op);
    }

    private long cost(State s, int op, int live) {
        int i = opImage(op);
        int x = s.top(i);
        if (isCommit(op)) {
            return alloc(x) + pullFact(x, s.top(opBase(op)));
        }
        int p = opBase(op);
        int to = p == B0 ? B0 : s.top(p);
        int from = s.top(s.parent(i));
        if (running && (live & 1 << i) != 0) {
            return pullFact(x, to) - pullFact(x, from);
        }
        return rebaseFact(x, to) - rebaseFact(x, from);
    }

    private State apply(State s, int op) {
        int i = opImage(op);
        int b = opBase(op);
        if (!isCommit(op)) {
            return s.withParent(i, b).sweep(images.length);
        }
        State n = s;
        for (int at = s.parent(i); at != b; at = s.parent(at)) {
            n = n.without(at);
        }
        for (int c = 0; c < images.length; c++) {
            if (s.isAlive(c) && s.parent(c) == i) {
                n = n.withParent(c, b);
            }
        }
        n = n.withTop(b, s.top(i));
        if (!s.isRemovable(i)) {
            n = n.kept(b);
        }
        if (s.entry() == i) {
            n = n.withEntry(b);
        }
        return n.without(i).sweep(images.length);
    }

    private Move describe(State s, int op) {
        long c = cost(s, op, s.liveMask());
        int i = opImage(op);
        int b = opBase(op);
        if (isCommit(op)) {
            List<String> between = new ArrayList<>();
            for (int at = s.parent(i); at != b; at = s.parent(at)) {
                between.add(images[at]);
            }
            return new Commit(images[i], images[b], between, c);
        }
        return new Pull(images[i], path(b), c);
    }

    // ------------------------------------------------------------------ facts

    private String path(int i) {
        return i == B0 ? base : images[i];
    }

    private long alloc(int x) {
        if (alloc[x] < 0) {
            alloc[x] = facts.allocatedBytes(images[x]);
        }
        return alloc[x];
    }

    /** Data of the original images strictly between {@code x} and {@code y} that {@code x} lacks. */
    private long pullFact(int x, int y) {
        if (y == origParent[x]) {
            return 0;
        }
        long[] row = pull[x];
        if (row[y + 1] < 0) {
            row[y + 1] = facts.bytesPullWouldCopy(images[x], path(y));
        }
        return row[y + 1];
    }

    private long rebaseFact(int x, int y) {
        if (y == origParent[x]) {
            return 0;
        }
        long[] row = rebase[x];
        if (row[y + 1] < 0) {
            row[y + 1] = facts.bytesRebaseWouldCopy(images[x], path(y));
        }
        return row[y + 1];
    }

    // ------------------------------------------------------------------ state

    /** Images at most this many: a state packs an index per image into four bits. */
    static final int MAX_IMAGES_REPRESENTED = 15;

    /**
     * Which images are left, their parents and interval tops (four bits each, 15 for the base),
     * which are members, and the highest image QEMU has open. Immutable; its own memo key. Images
     * no longer there have parent and top 0, so equal situations are equal states.
     *
     * @param entry the open image's index (15: none) plus 16 if the guest writes it
     */
    private record State(long parents, long tops, int alive, int removable, int open) {

        /** The packed fields differ mostly in a few bits; spread them before the memo hashes them. */
        @Override
        public int hashCode() {
            long h = parents * 0x9E3779B97F4A7C15L;
            h = (h ^ (h >>> 29) ^ tops) * 0xBF58476D1CE4E5B9L;
            h = (h ^ (h >>> 31) ^ ((long) alive << 40 | (long) removable << 20 | open)) * 0x94D049BB133111EBL;
            return (int) (h ^ (h >>> 32));
        }

        static State initial(int[] origParent, int members, int entry, boolean entryActive) {
            long parents = 0;
            long tops = 0;
            for (int i = 0; i < origParent.length; i++) {
                parents |= (long) (origParent[i] & 0xF) << 4 * i;
                tops |= (long) i << 4 * i;
            }
            return new State(parents, tops, (1 << origParent.length) - 1, members,
                    (entry & 0xF) | (entryActive ? 0x10 : 0));
        }

        int parent(int i) {
            int p = (int) (parents >>> 4 * i) & 0xF;
            return p == 0xF ? B0 : p;
        }

        int top(int i) {
            return (int) (tops >>> 4 * i) & 0xF;
        }

        int entry() {
            int e = open & 0xF;
            return e == 0xF ? B0 : e;
        }

        boolean entryActive() {
            return (open & 0x10) != 0;
        }

        boolean isAlive(int i) {
            return (alive & 1 << i) != 0;
        }

        boolean isRemovable(int i) {
            return (removable & 1 << i) != 0;
        }

        State withParent(int i, int p) {
            long m = 0xFL << 4 * i;
            return new State(parents & ~m | (long) (p & 0xF) << 4 * i, tops, alive, removable, open);
        }

        State withTop(int i, int t) {
            long m = 0xFL << 4 * i;
            return new State(parents, tops & ~m | (long) t << 4 * i, alive, removable, open);
        }

        State kept(int i) {
            return new State(parents, tops, alive, removable & ~(1 << i), open);
        }

        State withEntry(int e) {
            return new State(parents, tops, alive, removable, (e & 0xF) | (open & 0x10));
        }

        State without(int i) {
            long m = 0xFL << 4 * i;
            return new State(parents & ~m, tops & ~m, alive & ~(1 << i), removable & ~(1 << i), open);
        }

        /** Bit i set if some image is backed by image i. */
        int withChildren(int n) {
            int mask = 0;
            for (int i = 0; i < n; i++) {
                int p = parent(i);
                if (isAlive(i) && p != B0) {
                    mask |= 1 << p;
                }
            }
            return mask;
        }

        /** Bit i set if two or more images are backed by image i. */
        int withSeveralChildren(int n) {
            int once = 0;
            int more = 0;
            for (int i = 0; i < n; i++) {
                int p = parent(i);
                if (isAlive(i) && p != B0) {
                    more |= once & 1 << p;
                    once |= 1 << p;
                }
            }
            return more;
        }

        /** Images QEMU has open: the chain under the entry. */
        int liveMask() {
            int mask = 0;
            for (int at = entry(); at != B0; at = parent(at)) {
                mask |= 1 << at;
            }
            return mask;
        }

        /** Members nothing depends on leave (members are never the active image). */
        State sweep(int n) {
            State s = this;
            for (int unused = s.removable & ~s.withChildren(n); unused != 0; unused = s.removable & ~s.withChildren(n)) {
                for (int i = 0; i < n; i++) {
                    if ((unused & 1 << i) != 0) {
                        s = s.without(i);
                    }
                }
            }
            return s;
        }
    }
}
