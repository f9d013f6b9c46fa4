package dev.virtchain.libvirt.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The SHA-256 of what a chain shows a guest, byte 0 to its virtual size, read in Java from the
 * qcow2 tables and raw files of a chain virtchain knows ({@link ImageChain}: every format named,
 * every backing given): no temporary copy, no tool that could probe a format. An unallocated
 * cluster reads from the backing image (zeros past its end or at the bottom), a zero cluster
 * reads zeros. Images this reader does not handle (compressed clusters, encryption, extended L2
 * entries, an external data file) give no digest rather than a wrong one.
 */
public final class GuestContent {
    private static final int QCOW2_MAGIC = 0x514649fb;
    private static final long OFFSET_MASK = 0x00fffffffffffe00L;
    private static final long COMPRESSED = 1L << 62;
    private static final long ZERO = 1L;
    private static final long KNOWN_INCOMPATIBLE = 0b11; // dirty, corrupt (read as they are, like qemu-img -U)
    private static final int CHUNK = 1 << 20;

    private GuestContent() {}

    /** The digest, or empty when an image uses a feature this reader does not handle. */
    public static Optional<String> sha256(ImageChain chain) throws IOException {
        List<Layer> layers = new ArrayList<>();
        try {
            for (DiskChain.Link link : chain.links()) {
                FileChannel ch = FileChannel.open(link.file(), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
                try {
                    Layer layer = link.format().equals("qcow2") ? Qcow2.open(link.file(), ch) : new Raw(ch, ch.size());
                    if (layer == null) {
                        ch.close();
                        return Optional.empty();
                    }
                    layers.add(layer);
                } catch (IOException | RuntimeException e) {
                    ch.close();
                    throw e;
                }
            }
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            long size = layers.get(0).size();
            byte[] buf = new byte[CHUNK];
            for (long at = 0; at < size; at += CHUNK) {
                int n = (int) Math.min(CHUNK, size - at);
                if (!read(layers, 0, at, buf, 0, n)) {
                    return Optional.empty();
                }
                sha.update(buf, 0, n);
            }
            return Optional.of(HexFormat.of().formatHex(sha.digest()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        } finally {
            for (Layer l : layers) {
                l.channel().close();
            }
        }
    }

    /** Fills {@code dst[off, off+len)} with what layer {@code i} shows at {@code at}; false: unsupported. */
    private static boolean read(List<Layer> layers, int i, long at, byte[] dst, int off, int len) throws IOException {
        if (i >= layers.size()) {
            java.util.Arrays.fill(dst, off, off + len, (byte) 0);
            return true;
        }
        Layer layer = layers.get(i);
        if (at >= layer.size()) {
            java.util.Arrays.fill(dst, off, off + len, (byte) 0);
            return true;
        }
        if (at + len > layer.size()) {
            int inside = (int) (layer.size() - at);
            java.util.Arrays.fill(dst, off + inside, off + len, (byte) 0);
            len = inside;
        }
        if (layer instanceof Raw raw) {
            readFully(raw.channel(), at, dst, off, len);
            return true;
        }
        Qcow2 q = (Qcow2) layer;
        while (len > 0) {
            long cluster = at >>> q.clusterBits;
            int within = (int) (at & (q.clusterSize - 1));
            int n = (int) Math.min(len, q.clusterSize - within);
            long entry = q.l2Entry(cluster);
            if ((entry & COMPRESSED) != 0) {
                return false;
            }
            long host = entry & OFFSET_MASK;
            if ((entry & ZERO) != 0) {
                java.util.Arrays.fill(dst, off, off + n, (byte) 0);
            } else if (host != 0) {
                readFully(q.channel(), host + within, dst, off, n);
            } else if (!read(layers, i + 1, at, dst, off, n)) {
                return false;
            }
            at += n;
            off += n;
            len -= n;
        }
        return true;
    }

    private static void readFully(FileChannel ch, long at, byte[] dst, int off, int len) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(dst, off, len);
        while (b.hasRemaining()) {
            int r = ch.read(b, at + b.position() - off);
            if (r < 0) {
                // past the end of the file: a sparse tail reads as zeros
                java.util.Arrays.fill(dst, b.position(), off + len, (byte) 0);
                return;
            }
        }
    }

    private sealed interface Layer permits Raw, Qcow2 {
        FileChannel channel();

        long size();
    }

    private record Raw(FileChannel channel, long size) implements Layer {}

    private static final class Qcow2 implements Layer {
        private final Path file;
        private final FileChannel channel;
        private final long size;
        private final int clusterBits;
        private final long clusterSize;
        private final long[] l1;
        private long cachedL2Offset = -1;
        private long[] cachedL2;

        private Qcow2(Path file, FileChannel channel, long size, int clusterBits, long[] l1) {
            this.file = file;
            this.channel = channel;
            this.size = size;
            this.clusterBits = clusterBits;
            this.clusterSize = 1L << clusterBits;
            this.l1 = l1;
        }

        /** Null when the image uses a feature this reader does not handle. */
        static Qcow2 open(Path file, FileChannel ch) throws IOException {
            ByteBuffer h = ByteBuffer.allocate(104);
            ch.read(h, 0);
            h.flip();
            if (h.remaining() < 72 || h.getInt(0) != QCOW2_MAGIC) {
                throw new IOException(file + " is not a qcow2 image");
            }
            int version = h.getInt(4);
            int clusterBits = h.getInt(20);
            long size = h.getLong(24);
            int cryptMethod = h.getInt(32);
            int l1Size = h.getInt(36);
            long l1Offset = h.getLong(40);
            long incompatible = version >= 3 && h.remaining() >= 80 ? h.getLong(72) : 0;
            if (clusterBits < ImageHeader.MIN_CLUSTER_BITS || clusterBits > ImageHeader.MAX_CLUSTER_BITS) {
                throw new IOException(file + " has cluster bits " + clusterBits + ", outside qcow2's limits");
            }
            if (cryptMethod != 0 || (incompatible & ~KNOWN_INCOMPATIBLE) != 0) {
                return null; // encryption, external data file, compression type, extended L2
            }
            long clusterSize = 1L << clusterBits;
            long entriesPerL2 = clusterSize / 8;
            long needed = size == 0 ? 0 : ((size + clusterSize - 1) / clusterSize + entriesPerL2 - 1) / entriesPerL2;
            if (size < 0 || l1Size < needed || l1Size > (1 << 25)) {
                throw new IOException(file + " has an L1 table of " + l1Size + " entries for " + size + " bytes");
            }
            long[] l1 = new long[(int) needed];
            ByteBuffer table = ByteBuffer.allocate((int) needed * 8);
            readFully(ch, l1Offset, table.array(), 0, table.capacity());
            for (int i = 0; i < needed; i++) {
                l1[i] = table.getLong(i * 8) & OFFSET_MASK;
            }
            return new Qcow2(file, ch, size, clusterBits, l1);
        }

        long l2Entry(long cluster) throws IOException {
            long perTable = clusterSize / 8;
            int l1Index = (int) (cluster / perTable);
            long l2Offset = l1[l1Index];
            if (l2Offset == 0) {
                return 0;
            }
            if (l2Offset != cachedL2Offset) {
                byte[] raw = new byte[(int) clusterSize];
                readFully(channel, l2Offset, raw, 0, raw.length);
                ByteBuffer b = ByteBuffer.wrap(raw);
                long[] l2 = new long[(int) perTable];
                for (int i = 0; i < l2.length; i++) {
                    l2[i] = b.getLong(i * 8);
                }
                cachedL2 = l2;
                cachedL2Offset = l2Offset;
            }
            return cachedL2[(int) (cluster % perTable)];
        }

        @Override
        public FileChannel channel() {
            return channel;
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public String toString() {
            return "qcow2 " + file;
        }
    }
}
