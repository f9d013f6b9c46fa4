package dev.virtchain.model.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ViewTest {

    private static final int CLUSTER = 512;

    private static View view(long clusters, long... tokens) {
        ClusterMap map = new ClusterMap();
        for (int c = 0; c < tokens.length; c++) {
            map.put(c, tokens[c]);
        }
        return View.of(clusters * CLUSTER, CLUSTER, map);
    }

    @Test
    void zeroTokensAreNotPartOfTheView() {
        assertEquals(view(4, 0, 5, 0), view(4, 0, 5));
        assertEquals(view(4, 0, 5).hashCode(), view(4, 0, 5, 0, 0).hashCode());
        assertEquals(view(4, 0, 5).digest(), view(4, 0, 5, 0).digest());
    }

    @Test
    void sizeContentAndPositionAllCount() {
        assertNotEquals(view(4, 5), view(8, 5));
        assertNotEquals(view(4, 5), view(4, 6));
        assertNotEquals(view(4, 5), view(4, 0, 5));
        assertNotEquals(view(4, 5).digest(), view(4, 0, 5).digest());
        assertEquals(64, view(4, 5).digest().length());
    }

    @Test
    void tokensAreReadByByteOffset() {
        View v = view(4, 0, 5, 6);
        assertEquals(0, v.tokenAt(0));
        assertEquals(5, v.tokenAt(CLUSTER));
        assertEquals(6, v.tokenAt(3 * CLUSTER - 1));
        assertEquals(0, v.tokenAt(4 * CLUSTER - 1));
        assertThrows(IllegalArgumentException.class, () -> v.tokenAt(4 * CLUSTER));
        assertEquals(2 * CLUSTER, v.nonZeroBytes());
    }

    @Test
    void differingBytesCountClustersPresentOnEitherSideOrHoldingOtherTokens() {
        View a = view(8, 1, 2, 3, 0, 5);
        View b = view(8, 1, 9, 0, 4, 5, 6);
        // cluster 1 (2/9), 2 (3/0), 3 (0/4), 5 (0/6)
        assertEquals(4 * CLUSTER, a.bytesDifferentFrom(b));
        assertEquals(4 * CLUSTER, b.bytesDifferentFrom(a));
        assertEquals(0, a.bytesDifferentFrom(view(8, 1, 2, 3, 0, 5)));
    }

    @Test
    void printsABriefSummary() {
        assertEquals("View[4096 bytes: #1=5, #2=6]", view(8, 0, 5, 6).toString());
    }
}
