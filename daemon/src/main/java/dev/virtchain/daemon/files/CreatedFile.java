package dev.virtchain.daemon.files;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/**
 * A file virtchaind created itself, with the identity (device and inode, the JDK's file key) it
 * had when it was created. Cleanup deletes the file only while the path still names that file:
 * a path that now leads to something else (another request's file, a symlink swapped in) is left
 * alone.
 *
 * <p>The file stays open until {@link #close}: an inode that is open cannot be freed and handed
 * to a new file, so "same device and inode" really means "the same file" for as long as this
 * object lives, even if the path was unlinked and reused meanwhile.
 */
public final class CreatedFile implements AutoCloseable {
    private final Path path;
    private final Object key;
    private final FileChannel hold;

    CreatedFile(Path path, Object key, FileChannel hold) {
        this.path = Objects.requireNonNull(path, "path");
        this.key = Objects.requireNonNull(key, "key");
        this.hold = Objects.requireNonNull(hold, "hold");
    }

    public Path path() {
        return path;
    }

    /** True while {@link #path} is still the file that was created. */
    public boolean stillOurs() {
        try {
            return key.equals(Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey());
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Deletes the file if it is still the one created; true when it is gone or was never there.
     * A path that names another file now is not touched, and false is returned.
     */
    public boolean deleteIfOurs() throws IOException {
        try {
            if (!stillOurs()) {
                return !Files.exists(path, LinkOption.NOFOLLOW_LINKS);
            }
            Files.delete(path);
            return true;
        } catch (NoSuchFileException e) {
            return true;
        }
    }

    /**
     * Forces the file's data to disk (fsync through the descriptor held since creation). qemu-img
     * writes its output without flushing (its default cache mode for convert is "unsafe").
     */
    public void sync() throws IOException {
        hold.force(true);
    }

    /** Lets go of the file: from now on it is an ordinary file (an export handed over, a copy in use). */
    @Override
    public void close() {
        try {
            hold.close();
        } catch (IOException e) {
            // closing a read-only hold cannot lose data
        }
    }

    @Override
    public String toString() {
        return "CreatedFile[" + path + ", " + key + "]";
    }
}
