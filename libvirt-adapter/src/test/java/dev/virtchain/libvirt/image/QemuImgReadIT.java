package dev.virtchain.libvirt.image;

import static dev.virtchain.libvirt.image.ChainAssertions.assertAllClean;
import static dev.virtchain.libvirt.image.ChainAssertions.files;
import static dev.virtchain.libvirt.image.WrittenChain.M;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtchain.libvirt.xml.DomainXmlReader;
import dev.virtchain.testing.ImageContent;
import dev.virtchain.testing.TestDomain;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * qemu-img reads and exports on one real chain a real guest wrote (see {@link WrittenChain}),
 * built once: nothing here changes an image of the chain.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QemuImgReadIT {
    private static final long CLUSTER = 64 * 1024;

    private final QemuImg qemuImg = QemuImg.withDefaults();
    private TestDomain dom;
    private WrittenChain chain;

    @BeforeAll
    void writeChain() {
        dom = TestDomain.builder().disks(1).running(false).create();
        chain = WrittenChain.build(dom, qemuImg);
    }

    @AfterEach
    void shutOffAndCheckNothingChanged() {
        dom.stop();
        assertEquals(chain.digest(2), ImageContent.digest(chain.image(2)));
    }

    @AfterAll
    void removeDomain() {
        dom.close();
    }

    @Test
    void overlaysNameTheirBackingRelativelyWithItsFormat() {
        assertEquals(List.of(chain.image(3), chain.image(2), chain.image(1), chain.image(0)), files(chain.chain(3)));
        for (int i = 0; i < 3; i++) {
            ImageInfo overlay = qemuImg.info(chain.image(3 - i), "qcow2");
            assertEquals(chain.image(2 - i).getFileName().toString(), overlay.backingFilename());
            assertFalse(overlay.hasAbsoluteBackingName());
            assertEquals("qcow2", overlay.backingFormat());
            assertEquals(64 * M, overlay.virtualSize());
        }
    }

    @Test
    void mapCostsAreTheBytesTheGuestWrote() {
        assertEquals(new CopyCost(4 * M, 0), qemuImg.map(chain.chain(0)).commitCost());
        assertEquals(new CopyCost(2 * M, 0), qemuImg.map(chain.chain(1)).commitCost());
        assertEquals(new CopyCost(2 * M, 0), qemuImg.map(chain.chain(2)).commitCost());
        ImageMap active = qemuImg.map(chain.chain(3));
        // 100 KiB at 16M+4K touches two 64 KiB clusters: qcow2 allocates whole clusters
        assertEquals(new CopyCost(2 * CLUSTER, 0), active.commitCost());
        // pulling .2 in: its own 2 MiB
        assertEquals(new CopyCost(2 * M, 0), active.pullCost(2));
        // pulling .2 and .1 in: .1's [5M,6M) is hidden by .2, so only [4M,5M) of it is copied
        assertEquals(new CopyCost(3 * M, 0), active.pullCost(3));
        // flattening adds the base's [1M,4M) ([0,1M) is hidden by .2)
        assertEquals(new CopyCost(6 * M, 0), active.flattenCost());
    }

    @Test
    void checkAndMeasureAWrittenChain() {
        assertAllClean(qemuImg, chain.image(0), chain.image(1), chain.image(2), chain.image(3));
        ImageMeasure m = qemuImg.measure(chain.chain(3), "qcow2");
        assertTrue(m.requiredBytes() >= 6 * M + 2 * CLUSTER, m.toString());
        assertTrue(m.fullyAllocatedBytes() >= 64 * M, m.toString());
    }

    @Test
    void fullAndDiffExports() {
        Path full = dom.dir().resolve("export-s2.qcow2");
        qemuImg.convert(chain.chain(2), full, "qcow2");
        assertTrue(qemuImg.info(full, "qcow2").backing().isEmpty());
        assertEquals(chain.digest(2), ImageContent.digest(full));

        // the difference between S1 and the active state spans two layers (.2 and .3)
        Path diff = dom.dir().resolve("diff-s1-active.qcow2");
        qemuImg.convertDiff(chain.chain(3), chain.chain(1), diff);
        ImageInfo d = qemuImg.info(diff, "qcow2");
        assertEquals("vda.1.qcow2", d.backingFilename());
        assertEquals(chain.digest(3), ImageContent.digest(diff));
        assertEquals(new CopyCost(2 * M + 2 * CLUSTER, 0), qemuImg.map(WrittenChain.walked(diff)).commitCost());
        assertAllClean(qemuImg, full, diff);
        assertEquals(chain.digest(3), ImageContent.digest(chain.image(3)));
    }

    @Test
    void whileTheDomainRunsHoldersExportAndTheActiveImageTakesAnOverlay() {
        dom.start();
        Path diff = dom.dir().resolve("diff-s0-s2.qcow2");
        qemuImg.convertDiff(chain.chain(2), chain.chain(0), diff);
        assertEquals(chain.digest(2), ImageContent.digest(diff));

        // the running QEMU's write lock on the active image stops a rebase reading through it
        Path fromActive = dom.dir().resolve("diff-from-active.qcow2");
        assertThrows(ImageToolException.ImageInUse.class,
                () -> qemuImg.convertDiff(chain.chain(3), chain.chain(0), fromActive));
        assertFalse(Files.exists(fromActive));

        // …but preparing a snapshot overlay on it only reads its header
        Path next = dom.dir().resolve("vda.4.qcow2");
        qemuImg.createOverlay(next, chain.image(3), "qcow2");
        assertEquals("vda.3.qcow2", qemuImg.info(next, "qcow2").backingFilename());
        ChainAssertions.delete(next);
    }

    /** Why {@link QemuImg#convertDiff} does not use {@code convert -B}: it loses middle layers. */
    @Test
    void convertWithBackingCopiesOnlyTheTopLayer() throws Exception {
        Path wrong = dom.dir().resolve("convert-B.qcow2");
        Process p = new ProcessBuilder(List.of("qemu-img", "convert", "-O", "qcow2", "-B", "vda.1.qcow2",
                "-F", "qcow2", chain.image(3).toString(), wrong.toString()))
                .directory(dom.dir().toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        assertNotEquals(chain.digest(3), ImageContent.digest(wrong));
        assertEquals(new CopyCost(2 * CLUSTER, 0), qemuImg.map(WrittenChain.walked(wrong)).commitCost());
    }

    @Test
    void diskChainComesFromHeadersWhenShutOffAndFromTheXmlWhenRunning() {
        ImageRoots roots = ImageRoots.of(List.of(dom.dir()), List.of());
        var shutOff = DomainXmlReader.read(dom.xml());
        DiskChain offline = DiskChains.read(shutOff, shutOff.requireDisk("vda"), roots);
        assertEquals(DiskChain.Source.IMAGE_HEADERS, offline.source());
        assertEquals(List.of(chain.image(3), chain.image(2), chain.image(1), chain.image(0)), offline.files());

        dom.start();
        var running = DomainXmlReader.read(dom.xml());
        DiskChain live = DiskChains.read(running, running.requireDisk("vda"), roots);
        assertEquals(DiskChain.Source.DOMAIN_XML, live.source());
        assertEquals(offline.images(), live.images());
    }

    @Test
    void failuresAreTypedAndNameTheImages() {
        Path missing = dom.dir().resolve("missing.qcow2");
        var gone = assertThrows(ImageToolException.ImageMissing.class, () -> qemuImg.info(missing, "qcow2"));
        assertEquals(List.of(missing), gone.images());

        var exists = assertThrows(ImageToolException.Failed.class,
                () -> qemuImg.createOverlay(chain.image(2), chain.image(1), "qcow2"));
        assertTrue(exists.getMessage().contains(chain.image(2).toString()), exists.getMessage());

        dom.start();
        var inUse = assertThrows(ImageToolException.ImageInUse.class,
                () -> qemuImg.commit(chain.chain(2), chain.image(1)));
        assertEquals(List.of(chain.image(1), chain.image(2)), inUse.images());
        dom.stop();

        QemuImg impatient = new QemuImg("qemu-img", Duration.ofMillis(1), Duration.ofMillis(1));
        Path export = dom.dir().resolve("never.qcow2");
        assertThrows(ImageToolException.TimedOut.class, () -> impatient.convert(chain.chain(3), export, "qcow2"));
    }
}
