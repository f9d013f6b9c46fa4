package dev.virtchain.cli;

import java.util.Map;

/**
 * Why a command did not succeed, and so the exit status: {@link #FAILED} when the daemon
 * answered with an error (or broke off), {@link #USAGE} for a bad command line, found before
 * connecting, and {@link #UNREACHABLE} when the daemon's socket could not be connected to.
 */
final class Failure extends Exception {
    static final int FAILED = 1;
    static final int USAGE = 2;
    static final int UNREACHABLE = 3;

    private static final long serialVersionUID = 1L;

    private final int status;
    private final transient Commands.Command command;
    private final transient Map<String, Object> error;

    private Failure(int status, String message, Commands.Command command, Map<String, Object> error) {
        super(message, null, false, false);
        this.status = status;
        this.command = command;
        this.error = error;
    }

    /** A bad command line; {@code command} (may be null) picks the usage line shown with it. */
    static Failure usage(String message, Commands.Command command) {
        return new Failure(USAGE, message, command, null);
    }

    static Failure unreachable(String message) {
        return new Failure(UNREACHABLE, message, null, null);
    }

    static Failure failed(String message) {
        return new Failure(FAILED, message, null, null);
    }

    /** The daemon's error line, minus protocol fields: code, message, domain, disk, snapshot, file. */
    static Failure daemonError(String message, Map<String, Object> error) {
        return new Failure(FAILED, message, null, error);
    }

    int status() {
        return status;
    }

    Commands.Command command() {
        return command;
    }

    Map<String, Object> error() {
        return error;
    }
}
