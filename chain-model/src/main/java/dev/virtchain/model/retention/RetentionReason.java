package dev.virtchain.model.retention;

import java.util.Objects;

/**
 * Why a snapshot is kept, or why a snapshot a rule selected is deleted anyway. A snapshot with
 * no reason at all is deleted because no rule selected it.
 */
public sealed interface RetentionReason {

    /** The snapshot is held; holds override the policy. */
    record Held() implements RetentionReason {
        @Override
        public String toString() {
            return "held";
        }
    }

    /** Every keep rule of the policy is off, which keeps everything. */
    record KeepAll() implements RetentionReason {
        @Override
        public String toString() {
            return "keep-all";
        }
    }

    /**
     * The snapshot is the one kept for {@code period} of {@code rule}.
     *
     * @param period  for {@link RetentionRule#LAST} the snapshot's rank, 1 = newest; for the
     *                periodic rules the local period, e.g. {@code 2026-11-20} or {@code 2026-W47}
     * @param counted true when {@code rule} selected the snapshot and counted the period
     *                against its N; false when an earlier rule had already kept it, so the
     *                period was covered without being counted (Proxmox semantics)
     */
    record RuleMatch(RetentionRule rule, String period, boolean counted) implements RetentionReason {
        public RuleMatch {
            Objects.requireNonNull(rule, "rule");
            Objects.requireNonNull(period, "period");
        }

        @Override
        public String toString() {
            return rule.label() + " " + period + (counted ? "" : " (already kept)");
        }
    }

    /** The policy's chain depth limit forced this snapshot out, oldest unheld first. */
    record MaxDepth(int maxDepth) implements RetentionReason {
        @Override
        public String toString() {
            return "max-depth " + maxDepth;
        }
    }
}
