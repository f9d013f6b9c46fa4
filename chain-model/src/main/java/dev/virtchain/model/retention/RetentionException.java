package dev.virtchain.model.retention;

import java.time.Instant;

/**
 * What was wrong with the input of a retention evaluation. The input comes from configuration
 * and from the ledger, so each error names the value to fix.
 */
public abstract sealed class RetentionException extends IllegalArgumentException
        permits RetentionException.InvalidPolicy, RetentionException.DuplicateCandidate {

    private RetentionException(String message) {
        super(message);
    }

    /** A policy count was negative. */
    public static final class InvalidPolicy extends RetentionException {
        private final String field;
        private final int value;

        InvalidPolicy(String field, int value) {
            super("retention policy " + field + " was " + value
                    + "; it must be 0 (off) or a positive count");
            this.field = field;
            this.value = value;
        }

        /** The policy field, as named in {@link RetentionPolicy}: {@code keepDaily}, {@code maxDepth}, … */
        public String field() {
            return field;
        }

        public int value() {
            return value;
        }
    }

    /**
     * Two candidates had the same name. Snapshot names are the ledger's keys, so this means the
     * caller built the candidate list wrongly; guessing which one is meant could delete the
     * wrong snapshot.
     */
    public static final class DuplicateCandidate extends RetentionException {
        private final String name;

        DuplicateCandidate(String name, Instant first, Instant second) {
            super("snapshot '" + name + "' was passed to retention twice (created " + first
                    + " and " + second + "); each snapshot must appear once");
            this.name = name;
        }

        public String name() {
            return name;
        }
    }
}
