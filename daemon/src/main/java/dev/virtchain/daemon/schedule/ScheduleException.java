package dev.virtchain.daemon.schedule;

/** Quartz refused to create or change a trigger. */
public final class ScheduleException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String policy;
    private final String domain;

    public ScheduleException(String policy, String domain, String message, Throwable cause) {
        super(policy == null ? message : "policy " + policy + (domain == null ? "" : " on " + domain) + ": " + message,
                cause);
        this.policy = policy;
        this.domain = domain;
    }

    /** The policy involved, or null when the scheduler as a whole failed. */
    public String policy() {
        return policy;
    }

    public String domain() {
        return domain;
    }
}
