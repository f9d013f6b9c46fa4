package dev.virtchain.daemon.files;

import java.nio.file.Path;

/**
 * A path a client asked virtchaind to write that it will not write: outside the directories
 * configured for that kind of output, in a directory others can write, already taken, or a
 * symlink. Nothing was created, changed or deleted.
 */
public final class DestinationRefused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Path path;

    public DestinationRefused(Path path, String reason) {
        super("refusing to write " + path + ": " + reason);
        this.path = path;
    }

    public Path path() {
        return path;
    }
}
