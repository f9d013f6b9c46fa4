package dev.virtchain.daemon.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
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
        replace(target, contents, check, null);
    }

    /**
     * As {@link #replace(Path, byte[], Check)}, and the file being replaced, if any, becomes
     * {@code previous} (replacing what was there) just before the new one takes its place: it is
     * hard-linked to a temporary name beside {@code previous} that is then renamed over it, so
     * {@code target} exists at every instant and {@code previous} is always a whole file. On a
     * filesystem without hard links it is copied and fsynced instead. One directory fsync at the end
     * makes both renames durable.
     *
     * @param previous in the same directory as {@code target}; null keeps no previous version
     */
    public static void replace(Path target, byte[] contents, Check check, Path previous) throws IOException {
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
            if (previous != null && Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                keepAs(target, previous);
            }
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

    /** Makes {@code previous} a second name of {@code current}'s file (or a copy of it), atomically. */
    private static void keepAs(Path current, Path previous) throws IOException {
        Path link = previous.resolveSibling("." + previous.getFileName() + ".tmp");
        Files.deleteIfExists(link);
        try {
            Files.createLink(link, current);
        } catch (UnsupportedOperationException | FileSystemException e) {
            Files.copy(current, link, StandardCopyOption.REPLACE_EXISTING, LinkOption.NOFOLLOW_LINKS);
            try (FileChannel c = FileChannel.open(link, StandardOpenOption.WRITE)) {
                c.force(true);
            }
        }
        try {
            Files.move(link, previous, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(link);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /** Makes a directory's entries (a rename, a new or removed file) durable. */
    public static void syncDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }
}
