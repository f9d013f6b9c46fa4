package dev.virtchain.model.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Pins the boundary {@link DeletePlanner} documents for {@link MergeSearch}: how many states a
 * component's search needs depends only on its shape (members, where the exits sit, which image
 * QEMU has open), never on the data, so enumerating shapes covers every component of that size.
 */
class MergeSearchTest {
    /** Arbitrary costs: the number of states does not depend on them. */
    static final AllocationFacts FACTS = new AllocationFacts() {
        @Override
        public long allocatedBytes(String image) {
            return (image.hashCode() & 7) * 65536L;
        }

        @Override
        public long bytesPullWouldCopy(String image, String base) {
            return (Objects.hash(image, base) & 15) * 65536L;
        }
    };

    @Test
    void everyComponentOfAtMostEightImagesIsSearchedToTheEnd() {
        int shapes = 0;
        int widest = 0;
        for (int images = 3; images <= 8; images++) {
            for (Shape s : shapes(images)) {
                for (int open = -1; open < s.exits(); open++) {
                    for (boolean active : open < 0 ? List.of(false) : List.of(false, true)) {
                        MergeSearch search = s.search(open, active);
                        int o = open;
                        assertNotNull(search.run(), () -> "over the budget: " + s + ", open exit " + o + " active " + active);
                        widest = Math.max(widest, search.statesExplored());
                        shapes++;
                    }
                }
            }
        }
        assertEquals(1_692, shapes, "shapes and open images enumerated");
        assertEquals(33_005, widest, "states of the widest: five members in a chain under three exits");
    }

    @Test
    void fiveMembersInAChainUnderFourExitsAreLeftToTheHeuristic() {
        Shape s = new Shape(new int[] {-1, 0, 1, 2, 3}, new int[] {3, 4, 4, 4});
        assertNull(s.search(-1, false).run());
    }

    /**
     * Members as a rooted tree ({@code memberParent}, -1 for the root, which sits on the base) and
     * the member each exit sits on.
     */
    record Shape(int[] memberParent, int[] exitOn) {
        int exits() {
            return exitOn.length;
        }

        MergeSearch search(int open, boolean active) {
            int m = memberParent.length;
            List<String> images = new ArrayList<>();
            int[] parent = new int[m + exitOn.length];
            for (int i = 0; i < m; i++) {
                images.add("/img/m" + i);
                parent[i] = memberParent[i];
            }
            for (int k = 0; k < exitOn.length; k++) {
                images.add("/img/e" + k);
                parent[m + k] = exitOn[k];
            }
            return new MergeSearch(images, parent, (1 << m) - 1, "/img/base", open >= 0, true,
                    open < 0 ? -1 : m + open, active, FACTS);
        }

        @Override
        public String toString() {
            return "members " + Arrays.toString(memberParent) + ", exits on " + Arrays.toString(exitOn);
        }
    }

    /**
     * Every component of {@code images} images with at least two exits and no member without
     * dependants (such members leave for free before the search starts): each unlabelled rooted
     * tree of members, with each multiset of members the exits sit on.
     */
    static List<Shape> shapes(int images) {
        List<Shape> out = new ArrayList<>();
        for (int m = 1; m <= images - 2; m++) {
            int e = images - m;
            for (int[] tree : trees(m)) {
                int[] on = new int[e];
                while (true) {
                    boolean[] used = new boolean[m];
                    for (int x : on) {
                        used[x] = true;
                    }
                    for (int i = 1; i < m; i++) {
                        used[tree[i]] = true;
                    }
                    boolean everyMemberUsed = true;
                    for (boolean u : used) {
                        everyMemberUsed &= u;
                    }
                    if (everyMemberUsed) {
                        out.add(new Shape(tree, on.clone()));
                    }
                    int k = e - 1;
                    while (k >= 0 && on[k] == m - 1) {
                        k--;
                    }
                    if (k < 0) {
                        break;
                    }
                    on[k]++;
                    for (int j = k + 1; j < e; j++) {
                        on[j] = on[k];
                    }
                }
            }
        }
        return out;
    }

    /** One parent array (node 0 the root, parents before children) per unlabelled rooted tree. */
    static List<int[]> trees(int nodes) {
        List<int[]> out = new ArrayList<>();
        grow(new int[nodes], 1, new HashSet<>(), out);
        return out;
    }

    private static void grow(int[] parent, int next, Set<String> seen, List<int[]> out) {
        if (next == parent.length) {
            parent[0] = -1;
            if (seen.add(canonical(parent, 0))) {
                out.add(parent.clone());
            }
            return;
        }
        for (int p = 0; p < next; p++) {
            parent[next] = p;
            grow(parent, next + 1, seen, out);
        }
    }

    private static String canonical(int[] parent, int node) {
        List<String> children = new ArrayList<>();
        for (int i = 1; i < parent.length; i++) {
            if (parent[i] == node) {
                children.add(canonical(parent, i));
            }
        }
        Collections.sort(children);
        return "(" + String.join("", children) + ")";
    }
}
