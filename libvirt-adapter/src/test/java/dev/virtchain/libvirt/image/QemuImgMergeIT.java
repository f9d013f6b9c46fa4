package dev.virtchain.libvirt.image;

import static dev.virtchain.libvirt.image.ChainAssertions.assertAllClean;
import static dev.virtchain.libvirt.image.ChainAssertions.delete;
import static dev.virtchain.libvirt.image.ChainAssertions.files;
import static dev.virtchain.libvirt.image.WrittenChain.M;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtchain.testing.ImageContent;
import dev.virtchain.testing.TestDomain;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Offline merges on a real chain a real guest wrote (see {@link WrittenChain}), each on a fresh
 * chain. After each, every point in time that survives must show exactly what it showed when it
 * was frozen, and every remaining image must check clean.
 */
class QemuImgMergeIT {
    private final QemuImg qemuImg = QemuImg.withDefaults();
    private TestDomain dom;
    private WrittenChain chain;

    @BeforeEach
    void writeChain() {
        dom = TestDomain.builder().disks(1).running(false).create();
        chain = WrittenChain.build(dom, qemuImg);
    }

    @AfterEach
    void removeDomain() {
        dom.close();
    }

    @Test
    void shallowCommitMovesTheHoldersPointInTimeDown() {
        // delete S1: commit .2 into .1; S2 is now held by .1; .3 must point at .1
        qemuImg.commit(chain.chain(2), chain.image(1));
        assertEquals(chain.digest(2), ImageContent.digest(chain.image(1)));
        // -b implies -d: the committed image keeps its data and its point in time
        assertEquals(chain.digest(2), ImageContent.digest(chain.image(2)));
        qemuImg.rebase(chain.image(3), chain.image(1), "qcow2", RebaseMode.UNSAFE);
        delete(chain.image(2));

        assertEquals(chain.digest(0), ImageContent.digest(chain.image(0)));
        assertEquals(chain.digest(3), ImageContent.digest(chain.image(3)));
        assertEquals(List.of(chain.image(3), chain.image(1), chain.image(0)), files(chain.chain(3)));
        assertEquals("vda.1.qcow2", qemuImg.info(chain.image(3), "qcow2").backingFilename());
        assertAllClean(qemuImg, chain.image(3), chain.image(1), chain.image(0));
        // libvirt opens the rewritten chain
        dom.start();
        assertEquals(List.of(chain.image(3), chain.image(1), chain.image(0)), dom.chain("vda"));
    }

    @Test
    void rangeCommitMergesTwoSnapshotsIntoTheBaseAndInvalidatesTheMiddle() {
        // delete S0 and S1 in one commit: .2 and .1 into the base, which then holds S2
        qemuImg.commit(chain.chain(2), chain.image(0));
        assertEquals(chain.digest(2), ImageContent.digest(chain.image(0)));
        assertEquals(chain.digest(2), ImageContent.digest(chain.image(2)));
        // .1 now shows its own [5M,6M) over S2: neither S1 nor S2 any more
        String middle = ImageContent.digest(chain.image(1));
        assertNotEquals(chain.digest(1), middle);
        assertNotEquals(chain.digest(2), middle);

        qemuImg.rebase(chain.image(3), chain.image(0), "qcow2", RebaseMode.UNSAFE);
        delete(chain.image(1));
        delete(chain.image(2));
        assertEquals(chain.digest(3), ImageContent.digest(chain.image(3)));
        assertAllClean(qemuImg, chain.image(3), chain.image(0));
    }

    @Test
    void commitOfAnImageWithoutBaseArgumentWouldEmptyIt() {
        // What -b protects against: plain "qemu-img commit TOP" empties TOP afterwards. QemuImg
        // always passes -b, so committing into the direct backing file keeps TOP intact too.
        CopyCost before = qemuImg.map(chain.chain(3)).commitCost();
        qemuImg.commit(chain.chain(3), chain.image(2));
        assertEquals(before, qemuImg.map(chain.chain(3)).commitCost());
        assertEquals(chain.digest(3), ImageContent.digest(chain.image(2)));
        assertEquals(chain.digest(3), ImageContent.digest(chain.image(3)));
    }

    @Test
    void safeRebasePullsIntoAHolderAndCostsWhatMapPredicted() {
        // delete S1 by pulling .1 into .2 (offline, any image can be pulled into)
        CopyCost predicted = qemuImg.map(chain.chain(2)).pullCost(2);
        assertEquals(new CopyCost(M, 0), predicted); // .1's [4M,5M); its [5M,6M) is hidden by .2
        CopyCost ownBefore = qemuImg.map(chain.chain(2)).commitCost();
        qemuImg.rebase(chain.image(2), chain.image(0), "qcow2", RebaseMode.SAFE);
        CopyCost ownAfter = qemuImg.map(chain.chain(2)).commitCost();
        assertEquals(predicted.dataBytes(), ownAfter.dataBytes() - ownBefore.dataBytes());
        delete(chain.image(1));

        assertEquals(chain.digest(0), ImageContent.digest(chain.image(0)));
        assertEquals(chain.digest(2), ImageContent.digest(chain.image(2)));
        assertEquals(chain.digest(3), ImageContent.digest(chain.image(3)));
        assertEquals("vda-base.qcow2", qemuImg.info(chain.image(2), "qcow2").backingFilename());
        assertAllClean(qemuImg, chain.image(3), chain.image(2), chain.image(0));
    }

    @Test
    void safeRebaseOntoNothingFlattens() {
        CopyCost predicted = qemuImg.map(chain.chain(1)).flattenCost();
        assertEquals(new CopyCost(4 * M, 0), predicted);
        qemuImg.rebase(chain.image(1), null, null, RebaseMode.SAFE);
        assertTrue(qemuImg.info(chain.image(1), "qcow2").backing().isEmpty());
        assertEquals(chain.digest(1), ImageContent.digest(chain.image(1)));
        assertEquals(predicted.dataBytes() + 2 * M, qemuImg.map(chain.chain(1)).commitCost().dataBytes());
        // .2 and .3 above it still show their points in time
        assertEquals(chain.digest(3), ImageContent.digest(chain.image(3)));
    }

    @Test
    void unsafeRebaseRewritesOnlyThePointer() {
        qemuImg.rebase(chain.image(3), chain.image(1), "qcow2", RebaseMode.UNSAFE);
        // .2's data no longer shows: unsafe is only correct when the new backing shows the same
        assertNotEquals(chain.digest(3), ImageContent.digest(chain.image(3)));
        qemuImg.rebase(chain.image(3), chain.image(2), "qcow2", RebaseMode.UNSAFE);
        assertEquals(chain.digest(3), ImageContent.digest(chain.image(3)));
    }
}
