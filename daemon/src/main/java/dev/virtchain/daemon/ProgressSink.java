package dev.virtchain.daemon;

/**
 * Where a long command reports how far it got; each report becomes a {@code progress} line
 * to the client before the final result.
 *
 * <p>Reporting never blocks and never fails: if the client stops reading, reports are dropped
 * until it catches up, and if it has gone away they are discarded, while the operation itself
 * carries on (it is journalled; a vanished CLI must not leave a chain half-merged). Safe to
 * call from any thread.
 */
@FunctionalInterface
public interface ProgressSink {

    /** A sink that discards every report, for work started without a client (schedules, recovery). */
    ProgressSink DISCARD = (phase, done, total, message) -> { };

    /**
     * @param phase   short machine-readable step name, e.g. {@code "commit"}, {@code "pull"}, {@code "pivot"}
     * @param done    bytes done so far in this phase
     * @param total   bytes this phase will process, or 0 when not known yet
     * @param message one line for people, or null
     */
    void progress(String phase, long done, long total, String message);
}
