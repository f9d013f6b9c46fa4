package dev.virtchain.model.retention;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a policy decided for each of its snapshots.
 *
 * @param verdicts one per candidate, oldest first (equal times: by name)
 * @param warnings things the operator should know; never a reason not to act
 */
public record RetentionDecision(List<Verdict> verdicts, List<RetentionWarning> warnings) {

    public RetentionDecision {
        verdicts = List.copyOf(verdicts);
        warnings = List.copyOf(warnings);
        Set<String> names = new HashSet<>();
        for (int i = 0; i < verdicts.size(); i++) {
            Verdict v = verdicts.get(i);
            if (!names.add(v.candidate().name())) {
                throw new IllegalArgumentException("two verdicts for snapshot '" + v.candidate().name() + "'");
            }
            if (i > 0 && Retention.CHRONOLOGICAL.compare(verdicts.get(i - 1).candidate(), v.candidate()) > 0) {
                throw new IllegalArgumentException("verdicts out of time order at snapshot '" + v.candidate().name() + "'");
            }
        }
    }

    /** The snapshots to delete, oldest first: the set the planner turns into one plan. */
    public List<RetentionCandidate> toDelete() {
        return verdicts.stream().filter(v -> !v.keep()).map(Verdict::candidate).toList();
    }

    /** The snapshots that stay, oldest first. */
    public List<RetentionCandidate> kept() {
        return verdicts.stream().filter(Verdict::keep).map(Verdict::candidate).toList();
    }

    /**
     * The decision for one snapshot.
     *
     * @param reasons for a kept snapshot, every reason it is kept (held, keep-all, or the rule
     *                periods it is the snapshot for, in rule order); for a deleted one, either
     *                nothing (no rule selected it) or the periods it had been selected for
     *                followed by the {@link RetentionReason.MaxDepth} that overrode them
     */
    public record Verdict(RetentionCandidate candidate, boolean keep, List<RetentionReason> reasons) {

        public Verdict {
            Objects.requireNonNull(candidate, "candidate");
            reasons = List.copyOf(reasons);
            boolean consolidated = !reasons.isEmpty()
                    && reasons.get(reasons.size() - 1) instanceof RetentionReason.MaxDepth;
            if (keep && (reasons.isEmpty() || consolidated)) {
                throw new IllegalArgumentException("snapshot '" + candidate.name()
                        + "' is kept without a reason to keep it: " + reasons);
            }
            if (!keep && !reasons.isEmpty() && !consolidated) {
                throw new IllegalArgumentException("snapshot '" + candidate.name()
                        + "' is deleted although kept for " + reasons);
            }
            if (!keep && candidate.held()) {
                throw new IllegalArgumentException("snapshot '" + candidate.name() + "' is held and cannot be deleted");
            }
        }

        @Override
        public String toString() {
            return candidate.name() + " " + (keep ? "keep" : "delete") + " " + reasons;
        }
    }
}
