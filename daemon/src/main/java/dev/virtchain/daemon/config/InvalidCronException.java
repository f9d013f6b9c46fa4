package dev.virtchain.daemon.config;

/** A schedule that is neither a 5-field cron line nor a Quartz cron expression. */
public final class InvalidCronException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String expression;

    public InvalidCronException(String expression, String reason) {
        super("invalid schedule '" + expression + "': " + reason);
        this.expression = expression;
    }

    public String expression() {
        return expression;
    }
}
