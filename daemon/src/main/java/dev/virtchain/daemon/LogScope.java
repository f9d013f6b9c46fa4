package dev.virtchain.daemon;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.MDC;

/**
 * Puts the domain, disk and operation being worked on into every log line written inside a
 * {@code try} block, and takes them out again afterwards:
 *
 * <pre>
 * try (LogScope scope = LogScope.domain(name).and(LogScope.OP, "snapshot-delete")) {
 *     log.info("planning");   // ... domain=web-1 op=snapshot-delete: planning
 * }
 * </pre>
 *
 * Closing restores what was there before rather than clearing, so scopes nest, and a pooled
 * thread never carries one request's domain into the next.
 */
public final class LogScope implements AutoCloseable {

    public static final String DOMAIN = "domain";
    public static final String DISK = "disk";
    public static final String OP = "op";

    private record Saved(String key, String previous) {
    }

    private final Deque<Saved> saved = new ArrayDeque<>();

    private LogScope() {
    }

    public static LogScope of(String key, String value) {
        return new LogScope().and(key, value);
    }

    public static LogScope domain(String name) {
        return of(DOMAIN, name);
    }

    public static LogScope disk(String target) {
        return of(DISK, target);
    }

    public static LogScope op(String operation) {
        return of(OP, operation);
    }

    /** Adds another key to this scope; a null value removes the key for the scope's duration. */
    public LogScope and(String key, String value) {
        saved.push(new Saved(key, MDC.get(key)));
        if (value == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, value);
        }
        return this;
    }

    @Override
    public void close() {
        while (!saved.isEmpty()) {
            Saved s = saved.pop();
            if (s.previous() == null) {
                MDC.remove(s.key());
            } else {
                MDC.put(s.key(), s.previous());
            }
        }
    }
}
