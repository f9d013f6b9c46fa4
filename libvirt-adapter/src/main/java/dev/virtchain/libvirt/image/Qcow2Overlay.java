package dev.virtchain.libvirt.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/**
 * Writes an empty qcow2 overlay, as {@code qemu-img create -f qcow2 -F FMT -b NAME -u FILE SIZE}
 * does, without a process: every snapshot of every disk made one, and starting qemu-img costs more
 * than the rest of a snapshot's own work. The layout is qemu-img's (QEMU's docs/interop/qcow2.txt,
 * version 3, 64 KiB clusters, 16-bit refcounts): the header with the backing format and feature
 * name extensions and the backing name in cluster 0, the refcount table in cluster 1, its one
 * refcount block in cluster 2, the all-zero L1 table from cluster 3; no data cluster. The bytes are
 * only ours: nothing is read from the backing file or anywhere else.
 */
final class Qcow2Overlay {
    static final int CLUSTER_BITS = 16;
    static final long CLUSTER = 1L << CLUSTER_BITS;
    /** What one L2 table maps: 8192 entries of one cluster each. */
    private static final long BYTES_PER_L2 = CLUSTER * (CLUSTER / 8);
    /** One refcount block (16-bit entries) counts this many clusters; the overlay's metadata must fit in it. */
    private static final long CLUSTERS_PER_REFCOUNT_BLOCK = CLUSTER / 2;
    /** QEMU refuses longer backing names. */
    static final int MAX_BACKING_NAME = 1023;
    private static final int HEADER_LENGTH = 112;
    private static final int EXT_BACKING_FORMAT = 0xE2792ACA;
    private static final int EXT_FEATURE_NAMES = 0x6803F857;
    private static final String[][] FEATURES = {
            {"0", "0", "dirty bit"}, {"0", "1", "corrupt bit"}, {"0", "2", "external data file"},
            {"0", "3", "compression type"}, {"0", "4", "extended L2 entries"}, {"1", "0", "lazy refcounts"},
            {"2", "0", "bitmaps"}, {"2", "1", "raw external data"}};
    private static final Set<String> FORMATS = Set.of("qcow2", "raw");

    private Qcow2Overlay() {
    }

    /** Whether {@link #write} can make this overlay; qemu-img makes the others. */
    static boolean supports(String backingName, String backingFormat, long size) {
        return size > 0 && size % 512 == 0 && FORMATS.contains(backingFormat)
                && backingName.getBytes(StandardCharsets.UTF_8).length <= MAX_BACKING_NAME
                && 3 + l1Clusters(size) <= CLUSTERS_PER_REFCOUNT_BLOCK;
    }

    /**
     * Writes the overlay into {@code file}, which must not exist or be empty (a placeholder the
     * caller created exclusively), and forces it to the disk.
     */
    static void write(Path file, String backingName, String backingFormat, long size) throws IOException {
        ByteBuffer image = layout(backingName, backingFormat, size);
        boolean placeholder = java.nio.file.Files.exists(file, LinkOption.NOFOLLOW_LINKS);
        try (FileChannel ch = placeholder
                ? FileChannel.open(file, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)
                : FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW,
                        LinkOption.NOFOLLOW_LINKS)) {
            if (ch.size() != 0) {
                throw new IOException(file + " is not empty");
            }
            while (image.hasRemaining()) {
                ch.write(image);
            }
            ch.force(true);
        } catch (IOException e) {
            if (!placeholder) {
                java.nio.file.Files.deleteIfExists(file); // ours, half written
            }
            throw e;
        }
    }

    static long l1Entries(long size) {
        return (size + BYTES_PER_L2 - 1) / BYTES_PER_L2;
    }

    static long l1Clusters(long size) {
        return Math.max(1, (l1Entries(size) * 8 + CLUSTER - 1) / CLUSTER);
    }

    /** The whole file: metadata clusters, the L1 table's entries last (the file ends with them). */
    static ByteBuffer layout(String backingName, String backingFormat, long size) {
        if (!supports(backingName, backingFormat, size)) {
            throw new IllegalArgumentException("not an overlay Qcow2Overlay writes: backing " + backingName + " ("
                    + backingFormat + "), " + size + " bytes");
        }
        byte[] name = backingName.getBytes(StandardCharsets.UTF_8);
        long l1Entries = l1Entries(size);
        long l1Offset = 3 * CLUSTER;
        long length = l1Offset + l1Entries * 8;
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(length)).order(ByteOrder.BIG_ENDIAN);

        // Header (version 3)
        b.put(0, new byte[] {'Q', 'F', 'I', (byte) 0xFB});
        b.putInt(4, 3);
        // 8: backing_file_offset, 16: backing_file_size (filled once the extensions are laid out)
        b.putInt(20, CLUSTER_BITS);
        b.putLong(24, size);
        b.putInt(32, 0); // no encryption
        b.putInt(36, Math.toIntExact(l1Entries));
        b.putLong(40, l1Offset);
        b.putLong(48, CLUSTER); // refcount table
        b.putInt(56, 1); // refcount table clusters
        b.putInt(60, 0); // snapshots
        b.putLong(64, 0);
        b.putLong(72, 0); // incompatible features
        b.putLong(80, 0); // compatible features
        b.putLong(88, 0); // autoclear features
        b.putInt(96, 4); // refcount order: 16-bit refcounts
        b.putInt(100, HEADER_LENGTH);
        b.put(104, (byte) 0); // compression type zlib; 7 bytes of padding follow

        // Header extensions
        int at = HEADER_LENGTH;
        byte[] format = backingFormat.getBytes(StandardCharsets.US_ASCII);
        b.putInt(at, EXT_BACKING_FORMAT);
        b.putInt(at + 4, format.length);
        b.put(at + 8, format);
        at += 8 + pad8(format.length);
        b.putInt(at, EXT_FEATURE_NAMES);
        b.putInt(at + 4, FEATURES.length * 48);
        at += 8;
        for (String[] f : FEATURES) {
            b.put(at, (byte) Integer.parseInt(f[0]));
            b.put(at + 1, (byte) Integer.parseInt(f[1]));
            b.put(at + 2, f[2].getBytes(StandardCharsets.US_ASCII));
            at += 48;
        }
        at += 8; // end of the extensions: type 0, length 0
        b.putLong(8, at);
        b.putInt(16, name.length);
        b.put(at, name);
        if (at + name.length > CLUSTER) {
            throw new IllegalStateException("the header outgrew its cluster");
        }

        // The refcount table's one entry, and its block counting clusters 0 .. the L1 table's last
        b.putLong(Math.toIntExact(CLUSTER), 2 * CLUSTER);
        long used = 3 + l1Clusters(size);
        for (int c = 0; c < used; c++) {
            b.putShort(Math.toIntExact(2 * CLUSTER + 2L * c), (short) 1);
        }
        // The L1 table: all zero (nothing allocated), already
        return b.rewind();
    }

    private static int pad8(int n) {
        return (n + 7) & ~7;
    }
}
