package dev.virtchain.daemon.control;

import java.util.Objects;

/**
 * A command's typed failure, sent to the client as an {@code error} response. It carries the
 * domain, disk, snapshot and file involved (each may be null) so the client can show them
 * without parsing the message; the message says what went wrong and what to do about it.
 *
 * <p>Handlers throw it directly or translate the daemon's own errors into it; anything else a
 * handler throws is reported as {@link ErrorCode#FAILED} with its message and logged with its
 * stack trace.
 */
public final class CommandFailure extends Exception {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final String domain;
    private final String disk;
    private final String snapshot;
    private final String file;

    public CommandFailure(ErrorCode code, String message, String domain, String disk, String snapshot, String file,
                          Throwable cause) {
        super(Objects.requireNonNull(message, "message"), cause);
        this.code = Objects.requireNonNull(code, "code");
        this.domain = domain;
        this.disk = disk;
        this.snapshot = snapshot;
        this.file = file;
    }

    public CommandFailure(ErrorCode code, String message) {
        this(code, message, null, null, null, null, null);
    }

    public static CommandFailure invalidArgument(String message) {
        return new CommandFailure(ErrorCode.INVALID_ARGUMENT, message);
    }

    public CommandFailure withDomain(String name) {
        return new CommandFailure(code, getMessage(), name, disk, snapshot, file, getCause());
    }

    public CommandFailure withDisk(String target) {
        return new CommandFailure(code, getMessage(), domain, target, snapshot, file, getCause());
    }

    public CommandFailure withSnapshot(String name) {
        return new CommandFailure(code, getMessage(), domain, disk, name, file, getCause());
    }

    public CommandFailure withFile(String path) {
        return new CommandFailure(code, getMessage(), domain, disk, snapshot, path, getCause());
    }

    public ErrorCode code() {
        return code;
    }

    public String domain() {
        return domain;
    }

    public String disk() {
        return disk;
    }

    public String snapshot() {
        return snapshot;
    }

    public String file() {
        return file;
    }
}
