package dev.virtchain.daemon.exec;

/**
 * A step of a plan did not happen as planned. Carries the domain, disk and file involved and the
 * index of the step; the operation record stays in the ledger file so recovery (or the operator)
 * can see what was under way.
 */
public final class StepFailed extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String domain;
    private final String disk;
    private final String file;

    public StepFailed(String domain, String disk, String file, String message, Throwable cause) {
        super(message, cause);
        this.domain = domain;
        this.disk = disk;
        this.file = file;
    }

    public String domain() {
        return domain;
    }

    public String disk() {
        return disk;
    }

    public String file() {
        return file;
    }
}
