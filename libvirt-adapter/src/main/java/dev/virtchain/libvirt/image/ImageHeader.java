package dev.virtchain.libvirt.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.Set;

/**
 * What one image file's own header says, read by virtchain itself rather than by {@code qemu-img}:
 * reading it opens nothing but the file, so a name written in it (a host file, a device, a FIFO,
 * a {@code json:} or {@code nbd:} name) is only ever text to be judged, never a file to be opened.
 *
 * <p>The format is always given by the caller (from the domain XML or the ledger), never probed:
 * a raw image's bytes belong to the guest, who may have written a qcow2 header into them, so a
 * raw image is never parsed at all.
 *
 * <p>qcow2 layout (QEMU's {@code docs/interop/qcow2.txt}, big-endian): magic {@code QFI\xfb},
 * version 2 or 3, the backing file name at {@code backing_file_offset} (at most 1023 bytes, inside
 * the first cluster), then header extensions from byte 72 (v2) or {@code header_length} (v3), each
 * a type, a length and data padded to 8 bytes, ending with type 0. The extensions read here are
 * the backing format ({@code 0xe2792aca}) and the external data file name ({@code 0x44415441});
 * incompatible feature bit 2 says an external data file is in use.
 *
 * @param file                 the image as read
 * @param format               {@code qcow2} or {@code raw}, as the caller said
 * @param virtualSize          guest-visible size in bytes; for raw the file's size (0 for a device)
 * @param backingName          the backing name exactly as written, or {@code null}
 * @param backingFormat        the backing format recorded with it, or {@code null} when none was
 * @param dataFile             the external data file name, or {@code null}
 * @param externalDataFile     incompatible feature bit 2: guest data lives in another file
 */
public record ImageHeader(Path file, String format, long virtualSize, String backingName, String backingFormat,
                          String dataFile, boolean externalDataFile) {

    static final int QCOW2_MAGIC = 0x514649fb;
    static final int EXT_END = 0;
    static final int EXT_BACKING_FORMAT = 0xe2792aca;
    static final int EXT_DATA_FILE = 0x44415441;
    static final long INCOMPAT_DATA_FILE = 1L << 2;
    /** QEMU refuses longer backing names (block/qcow2.c: 1023). */
    static final int MAX_BACKING_NAME = 1023;
    /** QEMU's cluster sizes run from 512 bytes to 2 MiB. */
    static final int MIN_CLUSTER_BITS = 9;
    static final int MAX_CLUSTER_BITS = 21;
    /** How much of the header extensions is read at first. */
    static final int FIRST_READ = 4096;

    private static final Set<String> FORMATS = Set.of("qcow2", "raw");

    public ImageHeader {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(format, "format");
    }

    /** True when the header names a backing file. */
    public boolean hasBacking() {
        return backingName != null;
    }

    /**
     * Reads the header of {@code file}, which the caller says is in {@code format}. The caller
     * has confined the path ({@link ImageRoots#confine}): it is a regular file or an allowed
     * device, so opening it cannot block the way a FIFO would.
     *
     * @throws ImageRefused when the file is not what its format says or its header is malformed
     */
    public static ImageHeader read(Path file, String format) {
        Objects.requireNonNull(format, "format");
        if (!FORMATS.contains(format)) {
            throw new ImageRefused(file, null, "its format is " + format + "; virtchain manages qcow2 and raw images only");
        }
        try (SeekableByteChannel ch = Files.newByteChannel(file, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
            if (format.equals("raw")) {
                return new ImageHeader(file, format, ch.size(), null, null, null, false);
            }
            return qcow2(file, ch);
        } catch (IOException e) {
            throw new ImageRefused(file, null, "its header cannot be read: " + e.getMessage());
        }
    }

    private static ImageHeader qcow2(Path file, SeekableByteChannel ch) throws IOException {
        // The header, its extensions and the backing name usually lie within the first 4 KiB: one
        // read serves them all (a start on a large host reads tens of thousands of headers).
        ByteBuffer head = readAt(ch, 0, FIRST_READ, file);
        ByteBuffer fixed = readAt(ch, head, 0, 104, file);
        if (fixed.limit() < 72 || fixed.getInt(0) != QCOW2_MAGIC) {
            throw new ImageRefused(file, null, "it is not a qcow2 image, though its domain or ledger says it is");
        }
        int version = fixed.getInt(4);
        if (version != 2 && version != 3) {
            throw new ImageRefused(file, null, "it is qcow2 version " + version + "; only versions 2 and 3 exist");
        }
        long backingOffset = fixed.getLong(8);
        int backingSize = fixed.getInt(16);
        int clusterBits = fixed.getInt(20);
        long size = fixed.getLong(24);
        if (clusterBits < MIN_CLUSTER_BITS || clusterBits > MAX_CLUSTER_BITS) {
            throw new ImageRefused(file, null, "its header gives cluster bits " + clusterBits);
        }
        long clusterSize = 1L << clusterBits;
        long incompatible = 0;
        long extensionsAt = 72;
        if (version == 3) {
            if (fixed.limit() < 104) {
                throw new ImageRefused(file, null, "its qcow2 v3 header is truncated");
            }
            incompatible = fixed.getLong(72);
            extensionsAt = Integer.toUnsignedLong(fixed.getInt(100));
            if (extensionsAt < 104 || extensionsAt > clusterSize) {
                throw new ImageRefused(file, null, "its header length " + extensionsAt + " is not within the first cluster");
            }
        }
        String backingName = null;
        if (backingOffset != 0) {
            if (backingSize < 0 || backingSize > MAX_BACKING_NAME || backingOffset < 0
                    || backingOffset + backingSize > clusterSize) {
                throw new ImageRefused(file, null, "its backing file name (" + backingSize + " bytes at offset "
                        + backingOffset + ") is not a valid qcow2 backing name");
            }
            backingName = text(readAt(ch, head, backingOffset, backingSize, file), file, "backing file name");
        }
        String backingFormat = null;
        String dataFile = null;
        // Extensions usually end within a few hundred bytes: read 4 KiB, and the rest of the first
        // cluster only when they go on past that (a header is read on every chain check).
        int room = (int) (clusterSize - extensionsAt);
        ByteBuffer ext = readAt(ch, head, extensionsAt, Math.min(room, FIRST_READ), file);
        int at = 0;
        while (true) {
            if (at + 8 > ext.limit() || at + 8 + Integer.toUnsignedLong(ext.getInt(at + 4)) > ext.limit()) {
                if (ext.limit() < room && ext.capacity() < room) {
                    ext = readAt(ch, extensionsAt, room, file);
                    continue;
                }
                if (at + 8 > ext.limit()) {
                    break;
                }
            }
            int type = ext.getInt(at);
            long length = Integer.toUnsignedLong(ext.getInt(at + 4));
            if (type == EXT_END) {
                break;
            }
            if (at + 8 + length > ext.limit()) {
                throw new ImageRefused(file, null, "its header extension 0x" + Integer.toHexString(type)
                        + " runs past the first cluster");
            }
            ByteBuffer data = ext.slice(at + 8, (int) length);
            if (type == EXT_BACKING_FORMAT) {
                backingFormat = text(data, file, "backing format");
            } else if (type == EXT_DATA_FILE) {
                dataFile = text(data, file, "data file name");
            }
            at += 8 + (int) ((length + 7) & ~7L);
        }
        return new ImageHeader(file, "qcow2", size, backingName, backingFormat, dataFile,
                (incompatible & INCOMPAT_DATA_FILE) != 0);
    }

    /** Up to {@code length} bytes from {@code offset}, fewer at the end of the file. */
    /** {@code length} bytes at {@code offset}, copied from {@code head} (the file's start) when it holds them. */
    private static ByteBuffer readAt(SeekableByteChannel ch, ByteBuffer head, long offset, int length, Path file)
            throws IOException {
        if (offset + length > head.limit()) {
            return readAt(ch, offset, length, file);
        }
        ByteBuffer buf = ByteBuffer.allocate(length).order(ByteOrder.BIG_ENDIAN);
        buf.put(head.duplicate().position((int) offset).limit((int) offset + length));
        buf.flip();
        return buf;
    }

    private static ByteBuffer readAt(SeekableByteChannel ch, long offset, int length, Path file) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length).order(ByteOrder.BIG_ENDIAN);
        ch.position(offset);
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) {
                break;
            }
        }
        buf.flip();
        return buf;
    }

    private static String text(ByteBuffer bytes, Path file, String what) {
        try {
            String s = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes).toString();
            if (s.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw new ImageRefused(file, null, "its " + what + " contains control characters");
            }
            return s;
        } catch (CharacterCodingException e) {
            throw new ImageRefused(file, null, "its " + what + " is not UTF-8 text");
        }
    }
}
