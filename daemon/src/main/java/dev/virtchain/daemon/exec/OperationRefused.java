package dev.virtchain.daemon.exec;

/**
 * An operation refused before it changed anything: the disk is busy, space is short, a
 * destination exists, an interrupted operation awaits recovery. Names what was in the way.
 */
public final class OperationRefused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why, for the control protocol's error code. */
    public enum Reason {
        BUSY, NO_SPACE, EXISTS, INTERRUPTED, NOT_MANAGED,
        /** The domain's ledger file cannot be read: virtchain leaves the domain alone rather than overwrite it. */
        LEDGER_UNREADABLE
    }

    private final Reason reason;
    private final String domain;
    private final String disk;
    private final String file;

    public OperationRefused(Reason reason, String domain, String disk, String file, String message) {
        super(message);
        this.reason = reason;
        this.domain = domain;
        this.disk = disk;
        this.file = file;
    }

    public Reason reason() {
        return reason;
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
