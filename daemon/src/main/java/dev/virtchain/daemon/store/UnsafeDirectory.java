package dev.virtchain.daemon.store;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A directory the daemon would keep its state or its socket in, which someone other than root
 * and the daemon's own user could change (or which is a symbolic link); the message says what
 * to fix.
 */
public final class UnsafeDirectory extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path directory;

    UnsafeDirectory(Path directory, String message) {
        super(message);
        this.directory = directory;
    }

    /** The directory that failed the check (it or one of its parents). */
    public Path directory() {
        return directory;
    }
}
