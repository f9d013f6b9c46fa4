package dev.virtchain.model.sim;

import static dev.virtchain.model.sim.SnapshotChains.ACTIVE;
import static dev.virtchain.model.sim.SnapshotChains.S0;
import static dev.virtchain.model.sim.SnapshotChains.S1;
import static dev.virtchain.model.sim.SnapshotChains.S2;
import static dev.virtchain.model.sim.SnapshotChains.assertChain;
import static dev.virtchain.model.sim.SnapshotChains.assertShows;
import static dev.virtchain.model.sim.SnapshotChains.clusters;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every row of the table in docs/design.md §2, on {@link SnapshotChains#designChain()}: the resulting
 * chain, the bytes copied, and that every surviving point in time and the active view still
 * show what they showed, wherever the ledger says they now live.
 */
class SnapshotDeletionTableTest {

    private SimulatedHost host;

    @BeforeEach
    void setUp() {
        host = SnapshotChains.designChain();
        assertShows(S0, host, "V");
        assertShows(S1, host, "V.1");
        assertShows(S2, host, "V.2");
        assertShows(ACTIVE, host, "V.3");
    }

    @AfterEach
    void invariantsHold() {
        host.checkInvariants();
    }

    @Test
    void deletingS2ByPullingItIntoTheActiveImageCopiesWhatV3LacksOfV2() {
        // V.2 allocates clusters 2, 4, 5; V.3 already has 5.
        assertEquals(clusters(2), host.bytesPullWouldCopy("V.3", "V.1"));

        long copied = host.pull("V.3", "V.1");

        assertEquals(clusters(2), copied);
        assertChain(host, "V.3", "V.1", "V");
        assertShows(ACTIVE, host, "V.3");
        assertShows(S1, host, "V.1");
        assertShows(S0, host, "V");
        assertEquals(Set.of("V.3"), host.activeImages());
        host.unlink("V.2");
    }

    @Test
    void deletingS2ByActiveCommitMovesTheGuestToV2AndCopiesV3() {
        assertEquals(clusters(3), host.bytesCommitWouldCopy("V.3", "V.2"));

        long copied = host.activeCommit("V.3", "V.2");

        assertEquals(clusters(3), copied);
        assertChain(host, "V.2", "V.1", "V");
        assertShows(ACTIVE, host, "V.2");
        assertShows(S1, host, "V.1");
        assertShows(S0, host, "V");
        assertEquals(Set.of("V.2"), host.activeImages());
        assertTrue(host.childrenOf("V.2").contains("V.3"), "V.3 keeps its pointer until unlinked");
        host.unlink("V.3");
    }

    @Test
    void deletingS1CommitsV2IntoV1WhichNowHoldsS2() {
        assertEquals(clusters(3), host.bytesCommitWouldCopy("V.2", "V.1"));

        long copied = host.commit("V.2", "V.1");

        assertEquals(clusters(3), copied);
        assertChain(host, "V.3", "V.1", "V");
        assertShows(S2, host, "V.1");
        assertShows(S0, host, "V");
        assertShows(ACTIVE, host, "V.3");
        host.unlink("V.2");
    }

    @Test
    void deletingS0CommitsV1IntoVWhichNowHoldsS1() {
        assertEquals(clusters(2), host.bytesCommitWouldCopy("V.1", "V"));

        long copied = host.commit("V.1", "V");

        assertEquals(clusters(2), copied);
        assertChain(host, "V.3", "V.2", "V");
        assertShows(S1, host, "V");
        assertShows(S2, host, "V.2");
        assertShows(ACTIVE, host, "V.3");
        host.unlink("V.1");
    }

    @Test
    void deletingS0AndS1TogetherIsOneRangeCommitOfTheUnionOfV1AndV2() {
        // V.1 = {1, 4}, V.2 = {2, 4, 5}: cluster 4 is copied once.
        assertEquals(clusters(4), host.bytesCommitWouldCopy("V.2", "V"));

        long copied = host.commit("V.2", "V");

        assertEquals(clusters(4), copied);
        assertChain(host, "V.3", "V");
        assertShows(S2, host, "V");
        assertShows(ACTIVE, host, "V.3");
        host.unlink("V.2");
        host.unlink("V.1");
    }

    @Test
    void eachRowCountsItsBytesUnderItsOwnKind() {
        SimulatedHost pulled = host.fork();
        pulled.pull("V.3", "V.1");
        SimulatedHost committed = host.fork();
        committed.activeCommit("V.3", "V.2");

        assertEquals(clusters(2), pulled.bytesCopied(Operation.Pull.class));
        assertEquals(clusters(2), pulled.bytesCopied());
        assertEquals(0, pulled.bytesCopied(Operation.ActiveCommit.class));
        assertEquals(clusters(3), committed.bytesCopied(Operation.ActiveCommit.class));
        assertFalse(host.bytesCopied() > 0, "the forks' work does not show in the original");
        assertShows(ACTIVE, host, "V.3");
        assertChain(host, "V.3", "V.2", "V.1", "V");
    }
}
