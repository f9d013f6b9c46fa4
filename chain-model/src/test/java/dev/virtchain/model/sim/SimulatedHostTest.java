package dev.virtchain.model.sim;

import static dev.virtchain.model.sim.SnapshotChains.ACTIVE;
import static dev.virtchain.model.sim.SnapshotChains.CLUSTER;
import static dev.virtchain.model.sim.SnapshotChains.S1;
import static dev.virtchain.model.sim.SnapshotChains.S2;
import static dev.virtchain.model.sim.SnapshotChains.SIZE;
import static dev.virtchain.model.sim.SnapshotChains.assertChain;
import static dev.virtchain.model.sim.SnapshotChains.assertShows;
import static dev.virtchain.model.sim.SnapshotChains.clusters;
import static dev.virtchain.model.sim.SnapshotChains.designChain;
import static dev.virtchain.model.sim.SnapshotChains.writeClusters;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtchain.model.sim.RefusedOperationException.Reason;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class SimulatedHostTest {

    private SimulatedHost host = designChain();

    @AfterEach
    void invariantsHold() {
        host.checkInvariants();
    }

    private RefusedOperationException assertRefused(Reason reason, String image, Executable op) {
        List<Operation> logBefore = List.copyOf(host.log());
        RefusedOperationException e = assertThrows(RefusedOperationException.class, op);
        assertEquals(reason, e.reason(), e.getMessage());
        assertEquals(image, e.image(), e.getMessage());
        assertEquals(logBefore, host.log(), "a refused operation changes nothing");
        return e;
    }

    @Nested
    class ImagesAndWrites {

        @Test
        void anOverlayShowsItsBackingUntilWritten() {
            host.createOverlay("V.4", "V.3");
            assertShows(ACTIVE, host, "V.4");
            assertEquals(0, host.allocatedBytes("V.4"));
            assertEquals(new ImageInfo("V.4", ImageFormat.QCOW2, SIZE, "V.3"), host.info("V.4"));
        }

        @Test
        void aWriteAllocatesEveryClusterItTouches() {
            host.createOverlay("V.4", "V.3");

            long written = host.write("V.4", CLUSTER + 5, CLUSTER, 99);

            assertEquals(clusters(2), written, "bytes 5.. of cluster 1 and ..4 of cluster 2");
            assertShows(new long[] {10, 99, 99, 13, 12, 13, 13, 0}, host, "V.4");
            assertEquals(clusters(2), host.allocatedBytes("V.4"));
            assertEquals(0, host.bytesCopied(), "guest writes copy nothing");
        }

        @Test
        void aWritePastTheVirtualSizeIsRefused() {
            assertRefused(Reason.OUT_OF_RANGE, "V.3", () -> host.write("V.3", SIZE - 1, 2, 1));
            assertRefused(Reason.OUT_OF_RANGE, "V.3", () -> host.write("V.3", -1, 1, 1));
            assertRefused(Reason.OUT_OF_RANGE, "V.3", () -> host.write("V.3", 0, 0, 1));
        }

        @Test
        void aZeroClusterHidesItsBackingAndCountsAsAllocated() {
            host.createOverlay("V.4", "V.3");
            host.write("V.4", 0, CLUSTER, 0);

            assertShows(new long[] {0, 11, 12, 13, 12, 13, 13, 0}, host, "V.4");
            assertEquals(clusters(1), host.allocatedBytes("V.4"));
            assertEquals(clusters(1), host.bytesCommitWouldCopy("V.4", "V.3"));
        }

        @Test
        void aZeroClusterAndAnUnallocatedOneLookTheSame() {
            host.createBase("empty", ImageFormat.QCOW2, SIZE);
            host.createBase("zeroed", ImageFormat.QCOW2, SIZE);
            host.write("zeroed", 0, SIZE, 0);

            assertEquals(host.view("empty"), host.view("zeroed"));
            assertEquals(host.viewDigest("empty"), host.viewDigest("zeroed"));
            assertTrue(host.sameView("empty", "zeroed"));
        }

        @Test
        void aRawImageAllocatesItsWholeSize() {
            host.createBase("disk.raw", ImageFormat.RAW, SIZE);
            host.write("disk.raw", 2L * CLUSTER, 1, 7);
            host.createOverlay("disk.1", "disk.raw");
            writeClusters(host, "disk.1", 8, 0, 1);

            assertEquals(SIZE, host.allocatedBytes("disk.raw"));
            assertArrayEquals(new long[] {clusters(2), clusters(6)}, host.bytesByDepth("disk.1"));
            assertShows(new long[] {8, 8, 7, 0, 0, 0, 0, 0}, host, "disk.1");

            assertEquals(clusters(6), host.pull("disk.1", null), "every cluster disk.1 lacks");
            assertNull(host.info("disk.1").backing());
            assertShows(new long[] {8, 8, 7, 0, 0, 0, 0, 0}, host, "disk.1");
        }

        @Test
        void sizesMustBeWholeClusters() {
            assertRefused(Reason.OUT_OF_RANGE, "odd", () -> host.createBase("odd", ImageFormat.QCOW2, CLUSTER + 1));
            assertRefused(Reason.OUT_OF_RANGE, "none", () -> host.createBase("none", ImageFormat.QCOW2, 0));
            assertThrows(IllegalArgumentException.class, () -> new SimulatedHost(1000));
        }

        @Test
        void chainsAndChildrenReadLikeQemuImgInfo() {
            assertChain(host, "V.3", "V.2", "V.1", "V");
            assertEquals(Set.of("V.2"), host.childrenOf("V.1"));
            assertEquals(Set.of(), host.childrenOf("V.3"));
            assertEquals(List.of("V", "V.1", "V.2", "V.3"), List.copyOf(host.images()));
        }
    }

    @Nested
    class Unlink {

        @Test
        void anImageStillUsedAsBackingCannotBeUnlinked() {
            RefusedOperationException e =
                    assertRefused(Reason.STILL_BACKING, "V.1", () -> host.unlink("V.1"));
            assertEquals("cannot unlink V.1: V.2 still uses it as backing", e.getMessage());
            assertTrue(host.exists("V.1"));
        }

        @Test
        void theImageAGuestWritesToCannotBeUnlinked() {
            assertRefused(Reason.ACTIVE, "V.3", () -> host.unlink("V.3"));
        }

        @Test
        void aLeafNoGuestWritesToCanBeUnlinked() {
            host.deactivate("V.3");
            host.unlink("V.3");
            assertFalse(host.exists("V.3"));
            assertRefused(Reason.NO_SUCH_IMAGE, "V.3", () -> host.view("V.3"));
        }

        @Test
        void namesAreNeverReused() {
            host.deactivate("V.3");
            host.unlink("V.3");

            assertRefused(Reason.NAME_REUSED, "V.3", () -> host.createOverlay("V.3", "V.2"));
            assertRefused(Reason.ALREADY_EXISTS, "V.2", () -> host.createOverlay("V.2", "V.1"));
            assertRefused(Reason.ALREADY_EXISTS, "V.2", () -> host.copy("V.1", "V.2", false));
        }
    }

    @Nested
    class Commit {

        /**
         * After a revert, V.1 backs the old line (V.2) and a branch (B). Committing V.2 into
         * V.1 keeps V.2's own point in time, but changes what the branch shows.
         */
        @Test
        void committingIntoAnImageWithTwoChildrenChangesTheOtherChild() {
            host.createOverlay("B", "V.1");
            writeClusters(host, "B", 20, 6);
            long[] branch = {10, 11, 10, 10, 11, 0, 20, 0};
            assertShows(branch, host, "B");

            host.commit("V.2", "V.1");

            assertShows(S2, host, "V.1");
            assertShows(ACTIVE, host, "V.3");
            assertShows(new long[] {10, 11, 12, 10, 12, 12, 20, 0}, host, "B");
            assertNotEquals(SnapshotChains.tokens(host, "B"), branch);
        }

        @Test
        void aNamedOverlayIsTheOnlyImageRebasedOntoTheBase() {
            host.createOverlay("B", "V.2");
            writeClusters(host, "B", 20, 7);
            View branch = host.view("B");

            assertEquals(clusters(3), host.commit("V.2", "V.1", "V.3"));

            assertChain(host, "V.3", "V.1", "V");
            assertChain(host, "B", "V.2", "V.1", "V");
            assertEquals(branch, host.view("B"), "V.2 itself did not change");
            assertShows(ACTIVE, host, "V.3");
            assertEquals(List.of("V.3"),
                    ((Operation.Commit) host.log().get(host.log().size() - 1)).rewritten());
        }

        @Test
        void withoutANamedOverlayEveryChildOfTopIsRebased() {
            host.createOverlay("B", "V.2");
            View branch = host.view("B");

            host.commit("V.2", "V.1");

            assertChain(host, "B", "V.1", "V");
            assertEquals(branch, host.view("B"));
            host.unlink("V.2");
        }

        @Test
        void theOverlayMustBeBackedByTop() {
            assertRefused(Reason.NOT_A_CHILD, "V.3", () -> host.commit("V.1", "V", "V.3"));
        }

        @Test
        void theBaseMustBeBelowTop() {
            RefusedOperationException e =
                    assertRefused(Reason.NOT_IN_CHAIN, "V.2", () -> host.commit("V.1", "V.2"));
            assertEquals("cannot commit V.1 into V.2: V.2 is not below V.1 in its chain V <- V.1",
                    e.getMessage());
            assertRefused(Reason.NOT_IN_CHAIN, "V.1", () -> host.commit("V.1", "V.1"));
        }

        @Test
        void activeCommitNeedsTheImageAGuestWritesTo() {
            assertRefused(Reason.NOT_ACTIVE, "V.2", () -> host.activeCommit("V.2", "V.1"));
        }
    }

    @Nested
    class Pull {

        @Test
        void withoutABaseTheWholeChainIsPulledAndNoBackingIsLeft() {
            assertEquals(clusters(4), host.bytesPullWouldCopy("V.3", null));

            assertEquals(clusters(4), host.pull("V.3", null));

            assertChain(host, "V.3");
            assertShows(ACTIVE, host, "V.3");
        }

        @Test
        void pullingIntoAnInteriorImageKeepsWhatItsOverlaysShow() {
            assertEquals(clusters(1), host.pull("V.2", "V"), "cluster 1 of V.1");

            assertChain(host, "V.3", "V.2", "V");
            assertShows(S2, host, "V.2");
            assertShows(ACTIVE, host, "V.3");
            assertShows(S1, host, "V.1");
        }

        @Test
        void pullingTheDirectBackingAsBaseCopiesNothing() {
            assertEquals(0, host.pull("V.3", "V.2"));
            assertChain(host, "V.3", "V.2", "V.1", "V");
        }

        @Test
        void theBaseMustBeBelowTheImage() {
            assertRefused(Reason.NOT_IN_CHAIN, "V.3", () -> host.pull("V.1", "V.3"));
            assertRefused(Reason.NOT_IN_CHAIN, "V.3", () -> host.bytesPullWouldCopy("V.3", "V.3"));
        }
    }

    @Nested
    class CopyAndPivot {

        @Test
        void aFullCopyHoldsTheWholeChainAndHasNoBacking() {
            assertEquals(clusters(7), host.copy("V.3", "V.3.full", false));

            assertChain(host, "V.3.full");
            assertShows(ACTIVE, host, "V.3.full");
            assertEquals(clusters(7), host.allocatedBytes("V.3.full"));
        }

        @Test
        void aShallowCopyHoldsTheTopAndKeepsTheBacking() {
            assertEquals(clusters(3), host.copy("V.3", "V.3.top", true));

            assertChain(host, "V.3.top", "V.2", "V.1", "V");
            assertShows(ACTIVE, host, "V.3.top");
        }

        @Test
        void pivotingToTheCopyMovesTheGuestAndFreesTheSource() {
            host.copy("V.3", "V.3.full", false);

            host.pivot("V.3", "V.3.full");

            assertEquals(Set.of("V.3.full"), host.activeImages());
            host.unlink("V.3");
            host.unlink("V.2");
        }

        @Test
        void takingASnapshotIsANewOverlayAndAPivotToIt() {
            host.createOverlay("V.4", "V.3");
            host.pivot("V.3", "V.4");
            host.write("V.4", 0, 1, 14);

            assertShows(ACTIVE, host, "V.3");
            assertEquals(14, host.view("V.4").tokenAt(0));
        }

        @Test
        void aPivotToAnImageShowingSomethingElseIsRefused() {
            assertRefused(Reason.VIEWS_DIFFER, "V.2", () -> host.pivot("V.3", "V.2"));
            assertRefused(Reason.NOT_ACTIVE, "V.2", () -> host.pivot("V.2", "V.3"));
        }
    }

    @Nested
    class Rebase {

        @Test
        void aSafeRebaseKeepsWhatTheImageShowsAndCopiesOnlyWhatDiffers() {
            // V.2 rewrote cluster 0 with what V already held: pull copies it, rebase does not.
            writeClusters(host, "V.2", 10, 0);
            assertEquals(clusters(3), host.bytesPullWouldCopy("V.3", "V.1"));
            assertEquals(clusters(2), host.bytesRebaseWouldCopy("V.3", "V.1"));

            assertEquals(clusters(2), host.rebaseSafe("V.3", "V.1"));

            assertChain(host, "V.3", "V.1", "V");
            assertShows(ACTIVE, host, "V.3");
        }

        @Test
        void aSafeRebaseOntoNothingWritesEverythingTheBackingShowed() {
            assertEquals(clusters(4), host.rebaseSafe("V.3", null));
            assertChain(host, "V.3");
            assertShows(ACTIVE, host, "V.3");
        }

        @Test
        void anUnsafeRebaseMovesThePointerOnlyAndChangesWhatTheImageShows() {
            assertEquals(0, host.rebaseUnsafe("V.3", "V.1"));

            assertChain(host, "V.3", "V.1", "V");
            assertShows(new long[] {10, 11, 10, 13, 11, 13, 13, 0}, host, "V.3");
            assertEquals(0, host.bytesCopied());
        }

        @Test
        void anUnsafeRebaseIsHarmlessOntoAnImageShowingTheSame() {
            host.copy("V.2", "V.2.flat", false);

            host.rebaseUnsafe("V.3", "V.2.flat");

            assertShows(ACTIVE, host, "V.3");
            host.unlink("V.2");
        }

        @Test
        void aRebaseThatWouldLoopIsRefused() {
            assertRefused(Reason.BACKING_LOOP, "V.1", () -> host.rebaseSafe("V.1", "V.3"));
            assertRefused(Reason.BACKING_LOOP, "V.1", () -> host.rebaseUnsafe("V.1", "V.1"));
        }

        @Test
        void aRawImageHasNoBackingToRebase() {
            host.createBase("disk.raw", ImageFormat.RAW, SIZE);
            assertRefused(Reason.RAW_HAS_NO_BACKING, "disk.raw",
                    () -> host.rebaseUnsafe("disk.raw", "V"));
        }

        @Test
        void aBackingOfAnotherSizeIsRefused() {
            host.createBase("small", ImageFormat.QCOW2, CLUSTER);
            assertRefused(Reason.SIZE_MISMATCH, "small", () -> host.rebaseSafe("V.3", "small"));
        }
    }

    @Nested
    class Convert {

        @Test
        void aDiffExportHoldsExactlyTheClustersWhereTheTwoPointsInTimeDiffer() {
            // S1 = 10 11 10 10 11  0  0 0
            // V.3= 10 11 12 13 12 13 13 0: clusters 2..6 differ.
            assertEquals(clusters(5), host.view("V.3").bytesDifferentFrom(host.view("V.1")));

            assertEquals(clusters(5), host.convertDiff("V.3", "V.1", "S1-to-now"));

            assertChain(host, "S1-to-now", "V.1", "V");
            assertShows(ACTIVE, host, "S1-to-now");
            assertEquals(clusters(5), host.allocatedBytes("S1-to-now"));
        }

        @Test
        void aDiffExportWritesZeroesWhereTheSourceWasZeroed() {
            host.createOverlay("V.4", "V.3");
            host.write("V.4", 0, CLUSTER, 0);

            assertEquals(clusters(1), host.convertDiff("V.4", "V.3", "diff"));

            assertEquals(0, host.view("diff").tokenAt(0));
            assertTrue(host.sameView("diff", "V.4"));
        }

        @Test
        void aDiffExportFromAnUnrelatedBaseStillShowsTheSource() {
            host.createBase("other", ImageFormat.QCOW2, SIZE);
            writeClusters(host, "other", 10, 0, 1, 2, 3, 4, 5, 6, 7);

            // Differs from 10s in clusters 1..7 (cluster 7: 0 against 10).
            assertEquals(clusters(7), host.convertDiff("V.3", "other", "diff"));

            assertShows(ACTIVE, host, "diff");
        }

        @Test
        void aFullExportSkipsClustersThatReadAsZero() {
            host.createOverlay("V.4", "V.3");
            host.write("V.4", 0, CLUSTER, 0);

            assertEquals(clusters(6), host.convert("V.4", "flat.qcow2", ImageFormat.QCOW2));

            assertChain(host, "flat.qcow2");
            assertTrue(host.sameView("V.4", "flat.qcow2"));
        }

        @Test
        void aRawExportIsAllocatedThroughout() {
            host.convert("V.3", "flat.raw", ImageFormat.RAW);

            assertEquals(SIZE, host.allocatedBytes("flat.raw"));
            assertShows(ACTIVE, host, "flat.raw");
        }
    }

    @Nested
    class Accounting {

        @Test
        void bytesByDepthAreWhatQemuImgMapReports() {
            // V.3 {3,5,6}; V.2 adds {2,4}; V.1 adds {1}; V adds {0}.
            assertArrayEquals(new long[] {clusters(3), clusters(2), clusters(1), clusters(1)},
                    host.bytesByDepth("V.3"));
            assertEquals(clusters(3), host.allocatedBytes("V.3"));
        }

        @Test
        void theLogListsEveryOperationAndTheCountersAddUp() {
            SimulatedHost fresh = host.fork();
            fresh.pull("V.3", "V.1");
            fresh.commit("V.1", "V");
            fresh.unlink("V.2");

            assertEquals(List.of(
                    new Operation.Pull("V.3", "V.2", "V.1", clusters(2)),
                    // V.2, pulled out of V.3's chain but not yet unlinked, is V.1's child too.
                    new Operation.Commit("V.1", "V", List.of("V.2", "V.3"), clusters(2)),
                    new Operation.Unlink("V.2")), fresh.log());
            assertEquals(clusters(4), fresh.bytesCopied());
            assertEquals(clusters(2), fresh.bytesCopied(Operation.Commit.class));
            assertEquals(0, fresh.bytesCopied(Operation.Copy.class));
        }

        @Test
        void aForkAndItsOriginalDoNotSeeEachOthersWrites() {
            SimulatedHost fork = host.fork();
            fork.write("V.3", 0, 1, 50);
            host.write("V.3", CLUSTER, 1, 60);
            fork.write("V", 7L * CLUSTER, 1, 70);

            assertShows(new long[] {50, 11, 12, 13, 12, 13, 13, 70}, fork, "V.3");
            assertShows(new long[] {10, 60, 12, 13, 12, 13, 13, 0}, host, "V.3");
            assertEquals(Set.of("V.3"), fork.activeImages());
            fork.checkInvariants();
        }

        @Test
        void aForkRemembersUnlinkedNames() {
            host.deactivate("V.3");
            host.unlink("V.3");
            SimulatedHost fork = new SimulatedHost(host);
            assertThrows(RefusedOperationException.class, () -> fork.createOverlay("V.3", "V.2"));
        }
    }
}
