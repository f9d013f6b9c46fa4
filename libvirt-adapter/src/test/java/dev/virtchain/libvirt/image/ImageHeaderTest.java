package dev.virtchain.libvirt.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The header reader on headers written byte by byte, including the hostile ones a guest can write
 * into a raw disk or an operator can find on a host: they are judged as text, never followed.
 */
class ImageHeaderTest {
    @TempDir
    Path dir;

    /** A qcow2 header in the layout of docs/interop/qcow2.txt. */
    static final class Qcow2 {
        int version = 3;
        int clusterBits = 16;
        long size = 64L << 20;
        String backing;
        String backingFormat;
        String dataFile;
        long incompatible;
        boolean extensionPastCluster;
        int padding;

        byte[] bytes() {
            ByteBuffer b = ByteBuffer.allocate(1 << clusterBits);
            b.putInt(0, ImageHeader.QCOW2_MAGIC).putInt(4, version).putInt(20, clusterBits).putLong(24, size);
            int headerLength = version == 3 ? 104 : 72;
            if (version == 3) {
                b.putLong(72, incompatible).putInt(96, 4).putInt(100, headerLength);
            }
            int at = headerLength;
            if (padding > 0) {
                at = extension(b, at, 0x6803f857, new byte[padding]); // a long feature-name table first
            }
            if (backingFormat != null) {
                at = extension(b, at, ImageHeader.EXT_BACKING_FORMAT, backingFormat.getBytes(StandardCharsets.UTF_8));
            }
            if (dataFile != null) {
                at = extension(b, at, ImageHeader.EXT_DATA_FILE, dataFile.getBytes(StandardCharsets.UTF_8));
            }
            if (extensionPastCluster) {
                b.putInt(at, 0x12345678).putInt(at + 4, 1 << 20);
                at += 8;
            } else {
                b.putInt(at, 0).putInt(at + 4, 0);
                at += 8;
            }
            if (backing != null) {
                byte[] name = backing.getBytes(StandardCharsets.UTF_8);
                int offset = at + 64;
                b.putLong(8, offset).putInt(16, name.length).put(offset, name);
            }
            return b.array();
        }

        private static int extension(ByteBuffer b, int at, int type, byte[] data) {
            b.putInt(at, type).putInt(at + 4, data.length).put(at + 8, data);
            return at + 8 + ((data.length + 7) & ~7);
        }
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    @Test
    void readsBackingNameFormatAndSize() throws IOException {
        Qcow2 q = new Qcow2();
        q.backing = "web1.qcow2";
        q.backingFormat = "raw";
        ImageHeader h = ImageHeader.read(write("a.qcow2", q.bytes()), "qcow2");
        assertEquals("web1.qcow2", h.backingName());
        assertEquals("raw", h.backingFormat());
        assertEquals(64L << 20, h.virtualSize());
        assertFalse(h.externalDataFile());
        assertNull(h.dataFile());
    }

    @Test
    void version2HasNoExtensionsPastItsFixedHeaderButMayRecordAFormat() throws IOException {
        Qcow2 q = new Qcow2();
        q.version = 2;
        q.backing = "base.qcow2";
        q.backingFormat = "qcow2";
        ImageHeader h = ImageHeader.read(write("v2.qcow2", q.bytes()), "qcow2");
        assertEquals("base.qcow2", h.backingName());
        assertEquals("qcow2", h.backingFormat());
    }

    @Test
    void extensionsPastTheFirstFourKiBAreReadToo() throws IOException {
        Qcow2 q = new Qcow2();
        q.padding = 6000;
        q.backing = "base.raw";
        q.backingFormat = "raw";
        q.dataFile = "/etc/shadow";
        ImageHeader h = ImageHeader.read(write("long.qcow2", q.bytes()), "qcow2");
        assertEquals("raw", h.backingFormat());
        assertEquals("/etc/shadow", h.dataFile());
        assertEquals("base.raw", h.backingName());
    }

    /** The first 4 KiB are read at once; a backing name that begins inside them and ends past them is read whole. */
    @Test
    void aBackingNameAcrossTheFirstFourKiBIsReadWhole() throws IOException {
        Qcow2 q = new Qcow2();
        q.padding = 3885; // puts the name at offset 4088
        q.backing = "base-with-a-long-name.raw";
        q.backingFormat = "raw";
        byte[] bytes = q.bytes();
        assertEquals(4088, ByteBuffer.wrap(bytes).getLong(8));
        assertEquals("base-with-a-long-name.raw", ImageHeader.read(write("across.qcow2", bytes), "qcow2").backingName());
    }

    @Test
    void aMissingBackingFormatIsReportedAsMissingNotGuessed() throws IOException {
        Qcow2 q = new Qcow2();
        q.backing = "/etc/shadow";
        ImageHeader h = ImageHeader.read(write("noformat.qcow2", q.bytes()), "qcow2");
        assertEquals("/etc/shadow", h.backingName());
        assertNull(h.backingFormat());
    }

    @Test
    void externalDataFilesAreSeen() throws IOException {
        Qcow2 q = new Qcow2();
        q.dataFile = "/etc/shadow";
        q.incompatible = ImageHeader.INCOMPAT_DATA_FILE;
        ImageHeader h = ImageHeader.read(write("data.qcow2", q.bytes()), "qcow2");
        assertTrue(h.externalDataFile());
        assertEquals("/etc/shadow", h.dataFile());
    }

    @Test
    void aRawImageIsNeverParsedEvenWithAQcow2HeaderInIt() throws IOException {
        Qcow2 q = new Qcow2();
        q.backing = "/etc/shadow";
        q.backingFormat = "raw";
        ImageHeader h = ImageHeader.read(write("guest.raw", q.bytes()), "raw");
        assertNull(h.backingName());
        assertEquals(65536, h.virtualSize());
    }

    @Test
    void malformedHeadersAreRefusedWithTheImageNamed() throws IOException {
        Path notQcow2 = write("plain.qcow2", new byte[4096]);
        ImageRefused e = assertThrows(ImageRefused.class, () -> ImageHeader.read(notQcow2, "qcow2"));
        assertTrue(e.getMessage().contains(notQcow2.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("not a qcow2 image"), e.getMessage());

        Qcow2 past = new Qcow2();
        past.extensionPastCluster = true;
        Path p = write("past.qcow2", past.bytes());
        assertTrue(assertThrows(ImageRefused.class, () -> ImageHeader.read(p, "qcow2")).getMessage()
                .contains("runs past the first cluster"));

        Qcow2 control = new Qcow2();
        control.backing = "a\nb.qcow2";
        control.backingFormat = "qcow2";
        Path c = write("control.qcow2", control.bytes());
        assertTrue(assertThrows(ImageRefused.class, () -> ImageHeader.read(c, "qcow2")).getMessage()
                .contains("control characters"));

        Qcow2 bits = new Qcow2();
        bits.clusterBits = 16;
        byte[] b = bits.bytes();
        ByteBuffer.wrap(b).putInt(20, 40);
        Path cb = write("bits.qcow2", b);
        assertThrows(ImageRefused.class, () -> ImageHeader.read(cb, "qcow2"));

        assertThrows(ImageRefused.class, () -> ImageHeader.read(write("x.vmdk", new byte[512]), "vmdk"));
    }

    @Test
    void backingNamesWithAProtocolAreRefusedAndPlainOnesResolveBesideTheImage() {
        Path image = Path.of("/img/web1.vda.3.qcow2");
        for (String hostile : List.of("json:{\"driver\":\"file\",\"filename\":\"/etc/shadow\"}", "nbd:localhost:10809",
                "a:b.qcow2", "")) {
            assertThrows(ImageRefused.class, () -> ImageRoots.backingPath(image, hostile), hostile);
        }
        assertEquals(Path.of("/img/web1.vda.2.qcow2"), ImageRoots.backingPath(image, "web1.vda.2.qcow2"));
        assertEquals(Path.of("/img/a:b.qcow2"), ImageRoots.backingPath(image, "./a:b.qcow2"));
        assertEquals(Path.of("/base/b.raw"), ImageRoots.backingPath(image, "../base/b.raw"));
        assertEquals("./a:b.qcow2", QemuImg.relativeName(image, Path.of("/img/a:b.qcow2")));
        assertEquals("x.qcow2", QemuImg.relativeName(image, Path.of("/img/x.qcow2")));
    }

    @Test
    void rootsConfineToRegularFilesInsideAfterResolvingLinks() throws IOException {
        Path root = Files.createDirectory(dir.resolve("images"));
        Path outside = Files.writeString(dir.resolve("secret"), "secret");
        Path inside = Files.writeString(root.resolve("a.raw"), "x");
        Path link = Files.createSymbolicLink(root.resolve("link.raw"), outside);
        Path dirInside = Files.createDirectory(root.resolve("sub"));
        ImageRoots roots = ImageRoots.of(List.of(root), List.of());
        assertEquals(inside.toRealPath(), roots.confine(inside));
        ImageRefused out = assertThrows(ImageRefused.class, () -> roots.confine(outside));
        assertTrue(out.getMessage().contains("outside the image roots"), out.getMessage());
        ImageRefused viaLink = assertThrows(ImageRefused.class, () -> roots.confine(link));
        assertTrue(viaLink.getMessage().contains("leads to " + outside.toRealPath()), viaLink.getMessage());
        assertThrows(ImageRefused.class, () -> roots.confine(dirInside));
        assertThrows(ImageRefused.class, () -> roots.confine(root.resolve("missing.raw")));
        assertThrows(ImageRefused.class, () -> roots.confine(Path.of("/dev/null")));
    }

    @Test
    void imageOptsNameEveryLinkAndEscapeCommas() {
        ImageChain c = new ImageChain(List.of(new DiskChain.Link(Path.of("/i/a,b.qcow2"), "qcow2"),
                new DiskChain.Link(Path.of("/i/base.raw"), "raw")));
        assertEquals("driver=qcow2,file.driver=file,file.filename=/i/a,,b.qcow2,"
                + "backing.driver=raw,backing.file.driver=file,backing.file.filename=/i/base.raw", c.imageOpts());
        assertThrows(IllegalArgumentException.class, () -> new ImageChain(List.of(
                new DiskChain.Link(Path.of("/i/base.raw"), "raw"), new DiskChain.Link(Path.of("/i/x.qcow2"), "qcow2"))));
    }
}
