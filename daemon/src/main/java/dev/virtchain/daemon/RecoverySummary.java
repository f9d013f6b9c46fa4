package dev.virtchain.daemon;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What start-up recovery found and did, shown by {@code status}.
 *
 * @param finishedAt   when recovery ended
 * @param completed    interrupted operations it carried to the end
 * @param rolledBack   interrupted operations it undid
 * @param unresolved   problems it could not settle, one sentence each naming the domain, disk
 *                     and file and what the operator should do; the daemon runs, but refuses
 *                     to touch what these name
 */
public record RecoverySummary(Instant finishedAt, int completed, int rolledBack, List<String> unresolved) {

    public RecoverySummary {
        Objects.requireNonNull(finishedAt, "finishedAt");
        unresolved = List.copyOf(unresolved);
        if (completed < 0 || rolledBack < 0) {
            throw new IllegalArgumentException("counts must not be negative: completed " + completed
                    + ", rolledBack " + rolledBack);
        }
    }

    /** This summary with {@code more} problems, found after it was made (the start-up check of the domains). */
    public RecoverySummary withUnresolved(List<String> more) {
        List<String> all = new java.util.ArrayList<>(unresolved);
        all.addAll(more);
        return new RecoverySummary(finishedAt, completed, rolledBack, all);
    }

    public static RecoverySummary nothingToDo(Instant at) {
        return new RecoverySummary(at, 0, 0, List.of());
    }
}
