package dev.virtchain.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Writes a cpio archive in the "newc" format the kernel unpacks as an initramfs. Every entry is
 * owned by root with time 0, so the same inputs give the same bytes.
 */
final class Cpio implements AutoCloseable {
    private static final int DIRECTORY = 0040000;
    private static final int REGULAR = 0100000;
    private static final int SYMLINK = 0120000;
    private static final int CHARACTER_DEVICE = 0020000;

    private final OutputStream out;
    private long written;
    private int inode = 1;

    Cpio(OutputStream out) {
        this.out = out;
    }

    void directory(String name) throws IOException {
        entry(name, DIRECTORY | 0755, new byte[0], 0, 0);
    }

    void file(String name, int permissions, byte[] content) throws IOException {
        entry(name, REGULAR | permissions, content, 0, 0);
    }

    void symlink(String name, String target) throws IOException {
        entry(name, SYMLINK | 0777, target.getBytes(StandardCharsets.UTF_8), 0, 0);
    }

    void characterDevice(String name, int permissions, int major, int minor) throws IOException {
        entry(name, CHARACTER_DEVICE | permissions, new byte[0], major, minor);
    }

    private void entry(String name, int mode, byte[] content, int rdevMajor, int rdevMinor) throws IOException {
        byte[] nameBytes = (name + "\0").getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        header.writeBytes("070701".getBytes(StandardCharsets.US_ASCII));
        long[] fields = {inode++, mode, 0, 0, (mode & DIRECTORY) == DIRECTORY ? 2 : 1, 0, content.length, 0, 0,
                rdevMajor, rdevMinor, nameBytes.length, 0};
        for (long f : fields) {
            header.writeBytes(String.format(Locale.ROOT, "%08x", f).getBytes(StandardCharsets.US_ASCII));
        }
        write(header.toByteArray());
        write(nameBytes);
        pad();
        write(content);
        pad();
    }

    private void write(byte[] bytes) throws IOException {
        out.write(bytes);
        written += bytes.length;
    }

    private void pad() throws IOException {
        while (written % 4 != 0) {
            out.write(0);
            written++;
        }
    }

    /** Writes the trailer entry; the caller closes the stream. */
    @Override
    public void close() throws IOException {
        entry("TRAILER!!!", 0, new byte[0], 0, 0);
        out.flush();
    }
}
