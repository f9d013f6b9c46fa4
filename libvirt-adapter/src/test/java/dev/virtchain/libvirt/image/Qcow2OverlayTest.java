package dev.virtchain.libvirt.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The overlay's layout, field by field, as docs/interop/qcow2.txt and qemu-img have it. */
class Qcow2OverlayTest {
    private static final long G = 1L << 30;

    @Test
    void theHeaderNamesTheBackingFileItsFormatAndTheTables() {
        ByteBuffer b = Qcow2Overlay.layout("vda.3.qcow2", "qcow2", G);
        assertEquals(0x514649FB, b.getInt(0), "magic");
        assertEquals(3, b.getInt(4), "version");
        assertEquals(16, b.getInt(20), "64 KiB clusters");
        assertEquals(G, b.getLong(24), "virtual size");
        assertEquals(2, b.getInt(36), "two L1 entries map 1 GiB");
        assertEquals(3 * 65536L, b.getLong(40), "L1 table in cluster 3");
        assertEquals(65536L, b.getLong(48), "refcount table in cluster 1");
        assertEquals(1, b.getInt(56));
        assertEquals(4, b.getInt(96), "16-bit refcounts");
        assertEquals(112, b.getInt(100), "header length");
        long nameAt = b.getLong(8);
        int nameLength = b.getInt(16);
        byte[] name = new byte[nameLength];
        b.get(Math.toIntExact(nameAt), name);
        assertEquals("vda.3.qcow2", new String(name, StandardCharsets.UTF_8));
        assertEquals(0xE2792ACA, b.getInt(112), "the backing format extension comes first");
        assertEquals(5, b.getInt(116));
        byte[] format = new byte[5];
        b.get(120, format);
        assertEquals("qcow2", new String(format, StandardCharsets.US_ASCII));
        assertEquals(0x210, nameAt, "where qemu-img puts the name after its feature table");
        assertEquals(3 * 65536 + 16, b.capacity(), "the file ends with the L1 table's entries");
    }

    @Test
    void everyMetadataClusterIsCountedOnceAndNothingElse() {
        for (long size : new long[] {512, G, 3584 * G, 8192 * G}) {
            ByteBuffer b = Qcow2Overlay.layout("b", "raw", size);
            assertEquals(2 * 65536L, b.getLong(65536), "the refcount table's one entry");
            long clusters = 3 + Qcow2Overlay.l1Clusters(size);
            for (int c = 0; c < 64; c++) {
                assertEquals(c < clusters ? 1 : 0, b.getShort(2 * 65536 + 2 * c), "refcount of cluster " + c + " at " + size);
            }
            for (long i = 0; i < Qcow2Overlay.l1Entries(size); i++) {
                assertEquals(0, b.getLong(Math.toIntExact(3 * 65536 + 8 * i)), "nothing allocated");
            }
        }
        assertEquals(16384, Qcow2Overlay.l1Entries(8192 * G));
        assertEquals(2, Qcow2Overlay.l1Clusters(8192 * G));
    }

    @Test
    void whatItCannotWriteIsLeftToQemuImg() {
        assertTrue(Qcow2Overlay.supports("a", "qcow2", G));
        assertFalse(Qcow2Overlay.supports("a", "qcow2", 0), "a block device: qemu-img reads its size");
        assertFalse(Qcow2Overlay.supports("a", "qcow2", G + 1), "not a whole sector");
        assertFalse(Qcow2Overlay.supports("a", "vmdk", G));
        assertFalse(Qcow2Overlay.supports("a".repeat(1024), "qcow2", G), "QEMU's limit on backing names");
        assertThrows(IllegalArgumentException.class, () -> Qcow2Overlay.layout("a", "qcow2", G + 1).capacity());
    }

    @Test
    void itNeverWritesIntoAFileWithContentAndLeavesNoHalfFileBehind(@TempDir Path dir) throws Exception {
        Path taken = dir.resolve("taken.qcow2");
        Files.writeString(taken, "guest data");
        assertThrows(java.io.IOException.class, () -> Qcow2Overlay.write(taken, "b", "qcow2", G));
        assertEquals("guest data", Files.readString(taken));
        Path link = dir.resolve("link.qcow2");
        Files.createSymbolicLink(link, dir.resolve("elsewhere.qcow2"));
        assertThrows(java.io.IOException.class, () -> Qcow2Overlay.write(link, "b", "qcow2", G));
        assertFalse(Files.exists(dir.resolve("elsewhere.qcow2")), "a link is not followed");
        Path fresh = dir.resolve("fresh.qcow2");
        Qcow2Overlay.write(fresh, "b", "qcow2", G);
        assertEquals(3 * 65536 + 16, Files.size(fresh));
    }
}
