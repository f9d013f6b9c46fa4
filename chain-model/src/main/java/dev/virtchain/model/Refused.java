package dev.virtchain.model;

/**
 * The planner will not do what was asked, because doing it would lose a point in time, break a
 * dependant or needs something the host or domain state does not offer. The message says why
 * and what to do instead.
 */
public final class Refused extends ChainException {
    private static final long serialVersionUID = 1L;

    /** Why, for callers that map refusals to exit codes or retry rules. */
    public enum Reason {
        /** The snapshot carries holds. */
        HELD,
        /** The snapshot is the base of a clone. */
        PROTECTED,
        /** The domain must be shut off for this. */
        RUNNING,
        /** A snapshot of that name exists already. */
        EXISTS,
        /** The request contradicts the domain's state or the chains (e.g. quiesce while shut off). */
        NOT_POSSIBLE,
        /** A measurement the plan needs was not supplied. */
        MISSING_FACT
    }

    private final Reason reason;

    public Refused(Reason reason, String message, String domain, String disk, String snapshot, String image) {
        super(message, domain, disk, snapshot, image);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
