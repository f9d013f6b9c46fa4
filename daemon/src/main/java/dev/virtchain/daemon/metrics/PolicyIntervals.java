package dev.virtchain.daemon.metrics;

import dev.virtchain.daemon.config.CronSchedule;
import java.util.Date;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How long a schedule may leave between two runs: the longest gap among its next fire times.
 * A weekday schedule's gap is the weekend's, not a weekday's, so that a freshness alert at
 * twice the interval does not fire every Monday. Worked out once per distinct schedule.
 */
final class PolicyIntervals {
    /** Enough fires to cover a month of a daily or weekday schedule and several of a weekly one. */
    static final int FIRES = 40;

    private final Map<String, OptionalDouble> bySchedule = new ConcurrentHashMap<>();

    OptionalDouble of(CronSchedule schedule) {
        return bySchedule.computeIfAbsent(schedule.quartzExpression(), k -> longestGap(schedule));
    }

    static OptionalDouble longestGap(CronSchedule schedule) {
        var expression = schedule.expression(); // a fresh one: CronExpression is not safe to share
        Date previous = expression.getNextValidTimeAfter(new Date());
        if (previous == null) {
            return OptionalDouble.empty();
        }
        long longest = 0;
        for (int i = 0; i < FIRES; i++) {
            Date next = expression.getNextValidTimeAfter(previous);
            if (next == null) {
                break;
            }
            longest = Math.max(longest, next.getTime() - previous.getTime());
            previous = next;
        }
        return longest == 0 ? OptionalDouble.empty() : OptionalDouble.of(longest / 1000.0);
    }
}
