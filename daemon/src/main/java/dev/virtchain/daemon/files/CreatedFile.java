package dev.virtchain.daemon.files;

import java.io.IOException;
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
 * @param path the file
 * @param key  its {@link BasicFileAttributes#fileKey()} at creation
 */
public record CreatedFile(Path path, Object key) {
    public CreatedFile {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(key, "key");
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
}
