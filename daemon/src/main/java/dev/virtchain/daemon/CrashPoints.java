package dev.virtchain.daemon;

import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Named places where a test can make the daemon die as if by {@code kill -9}, to prove that
 * recovery copes with a crash at exactly that step. Code marks a place with
 * {@code crashPoints.reach("after-record")}; when the setting names it, the process halts with
 * status 137 at once: no shutdown hooks, no finally blocks, no flushing beyond what was
 * already written.
 *
 * <p>The setting is {@code NAME} (halt the first time NAME is reached) or {@code NAME@N} (the
 * N-th time), taken from the environment variable {@value #ENVIRONMENT_VARIABLE} or, failing
 * that, the {@code crash-at} configuration key. Unset in production; the daemon logs a warning
 * when it is set.
 */
public final class CrashPoints implements dev.virtchain.daemon.exec.CrashSite {

    public static final String ENVIRONMENT_VARIABLE = "VIRTCHAIN_CRASH_AT";

    /** 128 + SIGKILL, what a shell reports for a process killed with -9. */
    public static final int HALT_STATUS = 137;

    private static final Logger log = LoggerFactory.getLogger(CrashPoints.class);
    private static final CrashPoints NONE = new CrashPoints("", 0);

    private final String point;
    private final int occurrence;
    private final AtomicInteger reached = new AtomicInteger();

    private CrashPoints(String point, int occurrence) {
        this.point = point;
        this.occurrence = occurrence;
    }

    /** Never halts. */
    public static CrashPoints none() {
        return NONE;
    }

    /** Reads {@code NAME} or {@code NAME@N}; an empty setting means none. */
    public static CrashPoints parse(String setting) {
        String s = setting == null ? "" : setting.strip();
        if (s.isEmpty()) {
            return NONE;
        }
        int at = s.lastIndexOf('@');
        if (at < 0) {
            return new CrashPoints(s, 1);
        }
        int n;
        try {
            n = Integer.parseInt(s.substring(at + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("crash point '" + s + "': expected NAME or NAME@N with N a whole number");
        }
        if (n < 1 || at == 0) {
            throw new IllegalArgumentException("crash point '" + s + "': expected NAME or NAME@N with N at least 1");
        }
        return new CrashPoints(s.substring(0, at), n);
    }

    public boolean armed() {
        return !point.isEmpty();
    }

    /** The setting as given, for the start-up warning; empty when none. */
    public String setting() {
        return armed() ? point + "@" + occurrence : "";
    }

    /** Halts the process if the point's name ({@link dev.virtchain.daemon.exec.CrashPoint.Where#label()}) is configured. */
    @Override
    public void reach(dev.virtchain.daemon.exec.CrashPoint point) {
        reach(point.where().label());
    }

    /** Halts the process if this is the configured point and occurrence; otherwise returns at once. */
    public void reach(String name) {
        if (!point.equals(name)) {
            return;
        }
        if (reached.incrementAndGet() == occurrence) {
            // One line so a crash-matrix log shows where the process died; the console appender
            // writes synchronously, so it is out before halt().
            log.warn("crash point {} reached (occurrence {}): halting with status {}", name, occurrence, HALT_STATUS);
            System.out.flush();
            Runtime.getRuntime().halt(HALT_STATUS);
        }
    }
}
