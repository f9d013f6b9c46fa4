package dev.virtchain.daemon.schedule;

import java.time.Instant;

/**
 * What {@code status} shows for one assignment. Times are null when the event has not
 * happened (yet).
 *
 * @param nextRun            when the trigger fires next
 * @param lastRun            when the last run started
 * @param lastFailureMessage why the last failed run failed
 * @param running            a run is under way now
 */
public record AssignmentStatus(String policy, String domain, String schedule, Instant nextRun, Instant lastRun,
                               Instant lastSuccess, Instant lastFailure, String lastFailureMessage,
                               boolean running) {
}
