package dev.virtchain.daemon.ledger;

import dev.virtchain.daemon.ledger.LedgerFileException.Kind;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The header and checksum around a ledger file's XML; the layout is in {@link LedgerCodec}. Kept
 * apart from the XML so that the frame can be checked (and shown by {@code --check-state})
 * before a byte of the body is believed.
 */
final class LedgerFrame {
    /** The first eight bytes of every framed ledger file. */
    static final byte[] MAGIC = "VCLEDGER".getBytes(StandardCharsets.US_ASCII);
    /** The headerless XML of earlier releases. */
    static final int FORMAT_PLAIN_XML = 1;
    /** This frame around the same XML. */
    static final int FORMAT_FRAMED = 2;
    static final int PREFIX_LENGTH = 16;
    static final int HEADER_LENGTH = 32;
    /** Far above any real ledger (a thousand snapshots take well under a megabyte); refuses absurd lengths. */
    static final int MAX_BODY = 64 << 20;

    /** A file's frame as read: its format, generation and body. */
    record Unwrapped(int format, long generation, byte[] body) {}

    private LedgerFrame() {
    }

    static byte[] wrap(long generation, byte[] body) {
        if (body.length > MAX_BODY) {
            throw new IllegalArgumentException("the ledger is " + body.length + " bytes, more than the "
                    + MAX_BODY + " a ledger file may hold");
        }
        ByteBuffer b = ByteBuffer.allocate(HEADER_LENGTH + body.length);
        b.put(MAGIC).putInt(FORMAT_FRAMED);
        b.putInt(crc(b.array(), 0, 12));
        b.putLong(generation).putInt(body.length);
        CRC32C c = new CRC32C();
        c.update(b.array(), 16, 12);
        c.update(body);
        b.putInt((int) c.getValue());
        b.put(body);
        return b.array();
    }

    /**
     * Checks the frame and returns the body; a file without the magic that starts like XML is
     * format 1, taken as written (it has no checksum) with generation 1.
     *
     * @throws LedgerFileException {@link Kind#DAMAGED} for anything torn or flipped,
     *                             {@link Kind#NEWER} for a well-formed header of a later format
     */
    static Unwrapped unwrap(byte[] file, String source) {
        if (!startsWithMagic(file)) {
            if (looksLikeXml(file)) {
                return new Unwrapped(FORMAT_PLAIN_XML, 1, file);
            }
            if (file.length < MAGIC.length && Arrays.equals(file, 0, file.length, MAGIC, 0, file.length)) {
                throw damaged(source, "truncated: " + file.length + " bytes, not even the " + HEADER_LENGTH
                        + "-byte header");
            }
            throw damaged(source, file.length == 0 ? "empty" : "neither a framed ledger (no magic 'VCLEDGER') nor"
                    + " the plain XML of earlier releases");
        }
        if (file.length < PREFIX_LENGTH) {
            throw damaged(source, "truncated: " + file.length + " bytes, not even the " + HEADER_LENGTH
                    + "-byte header");
        }
        ByteBuffer b = ByteBuffer.wrap(file);
        int format = b.getInt(8);
        int prefixCrc = b.getInt(12);
        if (prefixCrc != crc(file, 0, 12)) {
            throw damaged(source, String.format("header checksum mismatch (stored %08x, computed %08x): the"
                    + " format version field (%d) is not what was written", prefixCrc, crc(file, 0, 12), format));
        }
        if (format != FORMAT_FRAMED) {
            throw new LedgerFileException(format > FORMAT_FRAMED ? Kind.NEWER : Kind.DAMAGED, source,
                    "format version " + format + " is unknown to this virtchaind, which reads versions "
                    + FORMAT_PLAIN_XML + " and " + FORMAT_FRAMED + (format > FORMAT_FRAMED
                            ? "; it was written by a newer virtchaind: run that version, or restore this file from"
                            + " a backup made by this one" : ""), null);
        }
        if (file.length < HEADER_LENGTH) {
            throw damaged(source, "truncated: " + file.length + " bytes, not even the " + HEADER_LENGTH
                    + "-byte header");
        }
        long generation = b.getLong(16);
        int length = b.getInt(24);
        int stored = b.getInt(28);
        if (length < 0 || length > MAX_BODY || HEADER_LENGTH + (long) length != file.length) {
            throw damaged(source, (HEADER_LENGTH + (long) length > file.length ? "truncated" : "torn")
                    + ": the header says " + length + " bytes of ledger follow it, the file has "
                    + (file.length - HEADER_LENGTH));
        }
        CRC32C c = new CRC32C();
        c.update(file, 16, 12);
        c.update(file, HEADER_LENGTH, length);
        if ((int) c.getValue() != stored) {
            throw damaged(source, String.format("checksum mismatch (stored %08x, computed %08x): the file is not"
                    + " what was written", stored, (int) c.getValue()));
        }
        if (generation < 1) {
            throw damaged(source, "generation " + generation + " (generations start at 1)");
        }
        return new Unwrapped(FORMAT_FRAMED, generation, Arrays.copyOfRange(file, HEADER_LENGTH, file.length));
    }

    private static boolean startsWithMagic(byte[] file) {
        return file.length >= MAGIC.length && Arrays.equals(file, 0, MAGIC.length, MAGIC, 0, MAGIC.length);
    }

    /** What earlier releases wrote: optional byte order mark and white space, then '<'. */
    private static boolean looksLikeXml(byte[] file) {
        int i = 0;
        if (file.length >= 3 && (file[0] & 0xff) == 0xef && (file[1] & 0xff) == 0xbb && (file[2] & 0xff) == 0xbf) {
            i = 3;
        }
        while (i < file.length && (file[i] == ' ' || file[i] == '\t' || file[i] == '\r' || file[i] == '\n')) {
            i++;
        }
        return i < file.length && file[i] == '<';
    }

    private static int crc(byte[] bytes, int offset, int length) {
        CRC32C c = new CRC32C();
        c.update(bytes, offset, length);
        return (int) c.getValue();
    }

    private static LedgerFileException damaged(String source, String problem) {
        return new LedgerFileException(Kind.DAMAGED, source, problem, null);
    }
}
