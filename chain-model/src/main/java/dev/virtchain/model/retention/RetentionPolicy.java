package dev.virtchain.model.retention;

/**
 * How many snapshots of each kind a policy keeps, and how deep its chain may grow.
 *
 * <p>Every count is 0 (rule off) or positive. When every keep rule is off the policy keeps
 * every snapshot, as Proxmox does when no keep option is given: a policy that would delete
 * everything is far more likely a configuration mistake than an intent. {@code maxDepth}
 * still applies then.
 *
 * @param keepLast    the newest N snapshots
 * @param keepHourly  the newest snapshot of each of N local hours
 * @param keepDaily   the newest snapshot of each of N local days
 * @param keepWeekly  the newest snapshot of each of N ISO weeks
 * @param keepMonthly the newest snapshot of each of N local months
 * @param keepYearly  the newest snapshot of each of N local years
 * @param maxDepth    the most snapshots of this policy that may stay, held ones included;
 *                    the oldest unheld are consolidated beyond it. 0 = no limit
 */
public record RetentionPolicy(int keepLast, int keepHourly, int keepDaily, int keepWeekly,
                              int keepMonthly, int keepYearly, int maxDepth) {

    public RetentionPolicy {
        requireNotNegative("keepLast", keepLast);
        requireNotNegative("keepHourly", keepHourly);
        requireNotNegative("keepDaily", keepDaily);
        requireNotNegative("keepWeekly", keepWeekly);
        requireNotNegative("keepMonthly", keepMonthly);
        requireNotNegative("keepYearly", keepYearly);
        requireNotNegative("maxDepth", maxDepth);
    }

    /** How many periods {@code rule} keeps; 0 when the rule is off. */
    public int keep(RetentionRule rule) {
        return switch (rule) {
            case LAST -> keepLast;
            case HOURLY -> keepHourly;
            case DAILY -> keepDaily;
            case WEEKLY -> keepWeekly;
            case MONTHLY -> keepMonthly;
            case YEARLY -> keepYearly;
        };
    }

    /** True when every keep rule is off, so every snapshot is kept (before {@code maxDepth}). */
    public boolean keepsEverything() {
        for (RetentionRule rule : RetentionRule.values()) {
            if (keep(rule) != 0) {
                return false;
            }
        }
        return true;
    }

    private static void requireNotNegative(String field, int value) {
        if (value < 0) {
            throw new RetentionException.InvalidPolicy(field, value);
        }
    }
}
