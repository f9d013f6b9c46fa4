package dev.virtchain.daemon.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Replaces a file's contents atomically and durably: write a temporary file beside it, fsync
 * it, rename it over the target, fsync the directory. The rename is what makes the switch
 * atomic; the first fsync makes sure the renamed file has its data (without it ext4 and xfs
 * can leave an empty file after a power cut), and the directory fsync makes the rename itself
 * survive. When this returns, the new contents are on disk.
 *
 * <p>A {@link Check} may read the written file back before it replaces the old one, so contents
 * that cannot be read back are never put in place.
 *
 * <p>Files are created mode 0600: the state directory holds what the daemon knows about every
 * domain's images, which is no business of other local users.
 */
public final class AtomicFile {

    private AtomicFile() {
    }

    /**
     * Checks the new contents as they were written, before they replace the old: throwing
     * leaves the old file as it was and no temporary file behind.
     */
    @FunctionalInterface
    public interface Check {
        /** @param written the temporary file's bytes, read back from disk after fsync */
        void verify(byte[] written) throws IOException;
    }

    public static void replace(Path target, byte[] contents) throws IOException {
        replace(target, contents, written -> { });
    }

    /**
     * As {@link #replace(Path, byte[])}, reading the temporary file back and handing it to
     * {@code check} between the fsync and the rename.
     */
    public static void replace(Path target, byte[] contents, Check check) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(contents);
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
                out.force(true);
            }
            check.verify(Files.readAllBytes(temp));
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot replace " + target + " atomically: " + e.getMessage(), e);
            }
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        syncDirectory(dir);
    }

    /** Makes a directory's entries (a rename, a new or removed file) durable. */
    public static void syncDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }
}
