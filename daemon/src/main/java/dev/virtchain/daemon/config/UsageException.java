package dev.virtchain.daemon.config;

/** The command line is wrong: an unknown option, a missing value, a stray argument. */
public final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    public UsageException(String problem) {
        super(problem);
    }
}
