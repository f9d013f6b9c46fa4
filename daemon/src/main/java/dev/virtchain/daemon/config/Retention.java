package dev.virtchain.daemon.config;

/**
 * How many of a policy's snapshots to keep, in the usual last / hourly / daily / weekly /
 * monthly / yearly buckets. A snapshot kept by any rule is kept. When every count is zero the
 * policy takes snapshots and never prunes them.
 */
public record Retention(int keepLast, int keepHourly, int keepDaily, int keepWeekly, int keepMonthly,
                        int keepYearly) {

    /** Keeps everything: no rule prunes. */
    public static final Retention KEEP_ALL = new Retention(0, 0, 0, 0, 0, 0);

    public Retention {
        requireNotNegative("keep-last", keepLast);
        requireNotNegative("keep-hourly", keepHourly);
        requireNotNegative("keep-daily", keepDaily);
        requireNotNegative("keep-weekly", keepWeekly);
        requireNotNegative("keep-monthly", keepMonthly);
        requireNotNegative("keep-yearly", keepYearly);
    }

    /** True when no rule is set, so the policy never deletes a snapshot. */
    public boolean keepsAll() {
        return equals(KEEP_ALL);
    }

    private static void requireNotNegative(String key, int value) {
        if (value < 0) {
            throw new ConfigInvalid(key, key + " was " + value + ", must be 0 or more");
        }
    }
}
