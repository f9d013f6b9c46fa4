package dev.virtchain.model.retention;

import java.time.LocalDateTime;
import java.time.temporal.IsoFields;
import java.util.Locale;

/**
 * The keep rules of a policy, in the order they are applied. The order matters: a rule skips
 * the periods that snapshots kept by an earlier rule already cover.
 */
public enum RetentionRule {
    /** The newest N snapshots; each snapshot is its own period. */
    LAST("last"),
    /** The newest snapshot of each of N local clock hours, e.g. {@code 2026-11-21T05}. */
    HOURLY("hourly"),
    /** The newest snapshot of each of N local dates, e.g. {@code 2026-11-20}. */
    DAILY("daily"),
    /** The newest snapshot of each of N ISO weeks (Monday start, week-based year), e.g. {@code 2026-W53}. */
    WEEKLY("weekly"),
    /** The newest snapshot of each of N local months, e.g. {@code 2026-11}. */
    MONTHLY("monthly"),
    /** The newest snapshot of each of N local years, e.g. {@code 2026}. */
    YEARLY("yearly");

    private final String label;

    RetentionRule(String label) {
        this.label = label;
    }

    /** The rule's short name as shown in reasons: {@code last}, {@code hourly}, … */
    public String label() {
        return label;
    }

    /**
     * The period of a periodic rule that a local wall-clock time falls in. Periods are built
     * from local fields only, not from the offset: the two 02:xx hours of an autumn DST change
     * are one hourly period, as in Proxmox, which buckets by {@code strftime_local} strings.
     * Not defined for {@link #LAST}, whose periods are the snapshots themselves.
     */
    String period(LocalDateTime local) {
        return switch (this) {
            case LAST -> throw new IllegalStateException("keep-last has no calendar periods");
            case HOURLY -> local.toLocalDate() + String.format(Locale.ROOT, "T%02d", local.getHour());
            case DAILY -> local.toLocalDate().toString();
            // The week-based year, not the calendar year: 2026-12-31 is in 2026-W53 and
            // 2027-01-01 too, while 2029-12-31 is in 2030-W01.
            case WEEKLY -> String.format(Locale.ROOT, "%04d-W%02d",
                    local.get(IsoFields.WEEK_BASED_YEAR), local.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
            case MONTHLY -> String.format(Locale.ROOT, "%04d-%02d", local.getYear(), local.getMonthValue());
            case YEARLY -> String.format(Locale.ROOT, "%04d", local.getYear());
        };
    }
}
