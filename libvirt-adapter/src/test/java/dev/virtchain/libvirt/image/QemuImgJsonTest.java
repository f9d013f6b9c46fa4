package dev.virtchain.libvirt.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtchain.libvirt.Golden;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The recorded chain: {@code web-vda.qcow2 <- .1 <- .2 <- .3}, guest writes of
 * 0x11 at [0,4M) into the base, 0x22 at [4M,6M) into .1, 0x33 at [0,1M) and [8M,9M) plus a
 * write-zeroes at [2M,3M) into .2, and 0x44 at [16M,16.5M) into .3. 64 KiB clusters.
 */
class QemuImgJsonTest {
    private static final long M = 1 << 20;
    private static final String DIR = "/var/lib/libvirt/images/golden/";

    private static ImageMap map(String golden, String image) throws Exception {
        return ImageMap.of(Path.of(DIR + image), QemuImgJson.extents(Golden.read(golden)));
    }

    @Test
    void infoReadsTheWholeChainWithRelativeBackingNames() throws Exception {
        List<ImageInfo> chain = QemuImgJson.chain(Golden.read("chain3-info.json"));
        assertEquals(4, chain.size());
        ImageInfo top = chain.get(0);
        assertEquals(Path.of(DIR + "web-vda.3.qcow2"), top.filename());
        assertEquals("qcow2", top.format());
        assertEquals(64 * M, top.virtualSize());
        assertEquals(65536, top.clusterSize());
        assertEquals("web-vda.2.qcow2", top.backingFilename());
        assertEquals(Path.of(DIR + "web-vda.2.qcow2"), top.fullBackingFilename());
        assertEquals("qcow2", top.backingFormat());
        assertFalse(top.hasAbsoluteBackingName());
        assertFalse(top.dirty());
        assertFalse(top.corrupt());
        ImageInfo base = chain.get(3);
        assertTrue(base.backing().isEmpty());
        assertNull(base.backingFormat());
    }

    @Test
    void rawImagesHaveNoClustersAndRawBackingFormatIsRecorded() throws Exception {
        List<ImageInfo> chain = QemuImgJson.chain(Golden.read("rawbase-info.json"));
        assertEquals("raw", chain.get(0).backingFormat());
        assertEquals("raw", chain.get(1).format());
        assertEquals(0, chain.get(1).clusterSize());
        ImageInfo vdb = QemuImgJson.chain(Golden.read("twodisk-info-vdb.json")).get(0);
        assertEquals(4096, vdb.actualSize());
    }

    @Test
    void commitCostIsTheImagesOwnData() throws Exception {
        assertEquals(new CopyCost(2 * M, 0), map("chain3-map-vda.1.json", "web-vda.1.qcow2").commitCost());
        // .2 wrote 2 MiB of data and 1 MiB of explicit zeroes
        assertEquals(new CopyCost(2 * M, M), map("chain3-map-vda.2.json", "web-vda.2.qcow2").commitCost());
        assertEquals(new CopyCost(M / 2, 0), map("chain3-map-vda.3.json", "web-vda.3.qcow2").commitCost());
        assertEquals(new CopyCost(4 * M, 0), map("chain3-map-vda.json", "web-vda.qcow2").commitCost());
    }

    @Test
    void pullCostCountsOnlyLayersAboveTheNewBackingThatTheImageDoesNotHide() throws Exception {
        ImageMap top = map("chain3-map-vda.3.json", "web-vda.3.qcow2");
        assertEquals(CopyCost.NONE, top.pullCost(1));
        // pulling .2 into .3 (new backing .1): .2's own runs
        assertEquals(new CopyCost(2 * M, M), top.pullCost(2));
        // pulling .2 and .1 (new backing: the base): .2's runs and .1's [4M,6M)
        assertEquals(new CopyCost(4 * M, M), top.pullCost(3));
        // flatten: plus the base's [1M,2M) and [3M,4M) that no layer above hides
        assertEquals(new CopyCost(6 * M, M), top.flattenCost());
        assertThrows(IllegalArgumentException.class, () -> top.pullCost(0));
        assertEquals(64 * M, top.virtualSize());
    }

    @Test
    void aSparseRawBaseCostsOnlyItsDataToFlatten() throws Exception {
        ImageMap overlay = map("rawbase-map-vda.1.json", "legacy-vda.1.qcow2");
        assertEquals(new CopyCost(M, 0), overlay.commitCost());
        assertEquals(4096, overlay.flattenCost().dataBytes());
    }

    @Test
    void checkAndMeasure() throws Exception {
        Path p = Path.of(DIR + "web-vda.2.qcow2");
        ImageCheck check = QemuImgJson.check(p, Golden.read("chain3-check-vda.2.json"));
        assertTrue(check.clean());
        assertEquals(32, check.allocatedClusters());
        ImageMeasure m = QemuImgJson.measure(Golden.read("chain3-measure.json"));
        assertEquals(7143424, m.requiredBytes());
        assertEquals(67436544, m.fullyAllocatedBytes());
    }

    @Test
    void relativeNamesAreTakenFromTheImagesDirectory() {
        assertEquals("base.qcow2", QemuImg.relativeName(Path.of("/v/a/top.qcow2"), Path.of("/v/a/base.qcow2")));
        assertEquals("sub/base.qcow2", QemuImg.relativeName(Path.of("/v/a/top.qcow2"), Path.of("/v/a/sub/base.qcow2")));
        // Out of the directory the name is absolute: "../b/base.qcow2" breaks when either moves,
        // and libvirt shows it unresolved ("/v/a/../b/base.qcow2").
        assertEquals("/v/b/base.qcow2", QemuImg.relativeName(Path.of("/v/a/top.qcow2"), Path.of("/v/b/base.qcow2")));
        assertEquals("/v/b/base.qcow2", QemuImg.relativeName(Path.of("/v/a/top.qcow2"), Path.of("/v/a/../b/base.qcow2")));
    }

    /** The streaming fold gives what reading the whole document gives. */
    @Test
    void foldedWhileStreamingEqualsReadWhole() throws Exception {
        for (String golden : List.of("chain3-map-vda.3.json", "chain3-map-vda.2.json")) {
            String json = Golden.read(golden);
            ImageMap whole = ImageMap.of(Path.of("/x"), QemuImgJson.extents(json));
            ImageMap folded = QemuImgJson.foldExtents(Path.of("/x"),
                    new java.io.ByteArrayInputStream(json.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            assertEquals(whole, folded, golden);
        }
    }

    @Test
    void aTruncatedMapIsAnError() {
        String json = "[{ \"start\": 0, \"length\": 65536, \"depth\": 0, \"present\": true, \"zero\": false, \"data\": true}";
        assertThrows(java.io.IOException.class, () -> QemuImgJson.foldExtents(Path.of("/x"),
                new java.io.ByteArrayInputStream(json.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
    }

    @Test
    void aMissingFieldNamesTheField() throws Exception {
        QemuImgJson.Unexpected e = assertThrows(QemuImgJson.Unexpected.class,
                () -> QemuImgJson.chain("{\"filename\": \"/v/a.qcow2\", \"virtual-size\": 1}"));
        assertTrue(e.getMessage().startsWith("qemu-img JSON lacks \"format\""), e.getMessage());
    }

    /** A qemu-img whose output lacks a field fails as a qemu-img run naming the image, not as a bug of virtchain. */
    @Test
    void aMissingFieldInQemuImgsOutputNamesTheImage(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path tool = dir.resolve("qemu-img");
        java.nio.file.Files.writeString(tool, "#!/bin/sh\necho '{\"filename\": \"/v/a.qcow2\", \"virtual-size\": 1}'\n");
        assertTrue(tool.toFile().setExecutable(true));
        QemuImg qemuImg = new QemuImg(tool.toString(), java.time.Duration.ofSeconds(30), java.time.Duration.ofSeconds(30));
        Path image = Path.of("/v/a.qcow2");
        ImageToolException.Failed e = assertThrows(ImageToolException.Failed.class, () -> qemuImg.info(image, "qcow2"));
        assertEquals("info", e.operation());
        assertEquals(List.of(image), e.images());
        assertTrue(e.getMessage().startsWith("qemu-img info of [/v/a.qcow2] failed: its JSON output could not be read:"
                + " qemu-img JSON lacks \"format\""), e.getMessage());
        assertTrue(e.getCause() instanceof QemuImgJson.Unexpected, String.valueOf(e.getCause()));
    }
}
