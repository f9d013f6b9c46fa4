package dev.virtchain.daemon.config;

import java.text.ParseException;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.quartz.CronExpression;

/**
 * A policy's schedule: the text the operator wrote and the Quartz cron expression it means.
 *
 * <p>Operators know crontab, Quartz wants its own dialect, so both are accepted:
 * <ul>
 *   <li>5 fields, crontab style ({@code minute hour day-of-month month day-of-week}) and the
 *       {@code @hourly}/{@code @daily}/{@code @weekly}/{@code @monthly}/{@code @yearly} macros;
 *   <li>6 or 7 fields, Quartz style (seconds first, optional year), passed through unchanged.
 * </ul>
 * Converting crontab to Quartz takes three changes: a seconds field of {@code 0}; {@code ?} in
 * whichever of day-of-month / day-of-week is unrestricted, because Quartz refuses both; and
 * day-of-week renumbered, since crontab counts Sunday as 0 (or 7) and Quartz as 1. Crontab runs
 * a job when <em>either</em> a restricted day-of-month or a restricted day-of-week matches;
 * Quartz cannot say that, so a 5-field schedule restricting both is refused rather than
 * silently meaning something else.
 *
 * <p>Times are the host's local time.
 */
public record CronSchedule(String source, String quartzExpression) {

    private static final Map<String, String> MACROS = Map.of(
            "@yearly", "0 0 1 1 *",
            "@annually", "0 0 1 1 *",
            "@monthly", "0 0 1 * *",
            "@weekly", "0 0 * * 0",
            "@daily", "0 0 * * *",
            "@midnight", "0 0 * * *",
            "@hourly", "0 * * * *");

    private static final List<String> DAY_NAMES = List.of("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT");

    public CronSchedule {
        if (source == null || quartzExpression == null) {
            throw new IllegalArgumentException("source and quartzExpression are required");
        }
    }

    /** Reads a crontab line, a macro, or a Quartz expression. */
    public static CronSchedule parse(String text) throws InvalidCronException {
        String source = text == null ? "" : text.trim();
        if (source.isEmpty()) {
            throw new InvalidCronException(source, "empty");
        }
        String quartz;
        if (source.startsWith("@")) {
            String fields = MACROS.get(source.toLowerCase(Locale.ROOT));
            if (fields == null) {
                throw new InvalidCronException(source, "unknown macro; use @hourly, @daily, @weekly, @monthly"
                        + " or @yearly (@reboot has no meaning for a snapshot policy)");
            }
            quartz = fromCrontab(source, fields.split(" "));
        } else {
            String[] fields = source.split("\\s+");
            quartz = switch (fields.length) {
                case 5 -> fromCrontab(source, fields);
                case 6, 7 -> String.join(" ", fields);
                default -> throw new InvalidCronException(source, "has " + fields.length
                        + " fields; expected 5 (crontab: minute hour day-of-month month day-of-week)"
                        + " or 6-7 (Quartz: second minute hour day-of-month month day-of-week [year])");
            };
        }
        try {
            CronExpression expression = new CronExpression(quartz);
            if (expression.getNextValidTimeAfter(new java.util.Date()) == null) {
                throw new InvalidCronException(source, "never fires again");
            }
        } catch (ParseException e) {
            String asQuartz = quartz.equals(source) ? "" : " (as Quartz: '" + quartz + "')";
            throw new InvalidCronException(source, e.getMessage() + asQuartz);
        }
        return new CronSchedule(source, quartz);
    }

    /** The Quartz expression, ready to schedule. */
    public CronExpression expression() {
        try {
            return new CronExpression(quartzExpression);
        } catch (ParseException e) {
            // parse() validated it; a record built by hand with a bad expression is a programming error.
            throw new IllegalStateException("not a Quartz expression: " + quartzExpression, e);
        }
    }

    private static String fromCrontab(String source, String[] f) throws InvalidCronException {
        String minute = f[0];
        String hour = f[1];
        String dayOfMonth = f[2];
        String month = f[3];
        BitSet days = daysOfWeek(source, f[4]);
        boolean everyWeekday = days.cardinality() == 7;
        boolean everyMonthDay = dayOfMonth.equals("*") || dayOfMonth.equals("?");
        if (!everyWeekday && !everyMonthDay) {
            throw new InvalidCronException(source, "restricts both day-of-month and day-of-week, which"
                    + " crontab reads as either-or and Quartz cannot express; split it into two policies");
        }
        String quartzDayOfMonth = everyWeekday ? dayOfMonth.replace("?", "*") : "?";
        String quartzDayOfWeek = everyWeekday ? "?" : quartzDays(days);
        return String.join(" ", "0", minute, hour, quartzDayOfMonth, month, quartzDayOfWeek);
    }

    /** Expands a crontab day-of-week field into the set of days it names, Sunday = 0. */
    private static BitSet daysOfWeek(String source, String field) throws InvalidCronException {
        BitSet days = new BitSet(7);
        for (String item : field.split(",", -1)) {
            String range = item;
            int step = 1;
            int slash = item.indexOf('/');
            if (slash >= 0) {
                range = item.substring(0, slash);
                step = number(source, item.substring(slash + 1), 1, 7);
            }
            int from;
            int to;
            if (range.equals("*")) {
                from = 0;
                to = 6;
            } else if (range.contains("-")) {
                String[] ends = range.split("-", -1);
                if (ends.length != 2) {
                    throw badDay(source, item);
                }
                from = day(source, ends[0]);
                to = day(source, ends[1]);
                if (to == 0 && !ends[1].equals("0")) {
                    to = 7; // "5-7" and "FRI-SUN" end on Sunday, not before Friday.
                }
                if (to < from) {
                    throw badDay(source, item);
                }
            } else {
                from = day(source, range);
                to = slash >= 0 ? 6 : from; // "1/2" means from Monday, every second day.
            }
            for (int d = from; d <= to; d += step) {
                days.set(d % 7);
            }
        }
        return days;
    }

    private static int day(String source, String text) throws InvalidCronException {
        int named = DAY_NAMES.indexOf(text.toUpperCase(Locale.ROOT));
        if (named >= 0) {
            return named;
        }
        int d = number(source, text, 0, 7);
        return d == 7 ? 0 : d;
    }

    private static int number(String source, String text, int min, int max) throws InvalidCronException {
        try {
            int n = Integer.parseInt(text);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw badDay(source, text);
    }

    private static InvalidCronException badDay(String source, String item) {
        return new InvalidCronException(source, "day-of-week '" + item + "' is not crontab syntax"
                + " (0-7 or SUN-SAT, ranges, steps, lists); for Quartz's L and # write a 6-field Quartz expression");
    }

    /** Writes days (Sunday = 0) as Quartz numbers (Sunday = 1), runs of three or more as ranges. */
    private static String quartzDays(BitSet days) {
        StringBuilder out = new StringBuilder();
        int d = days.nextSetBit(0);
        while (d >= 0) {
            int end = d;
            while (end + 1 < 7 && days.get(end + 1)) {
                end++;
            }
            if (out.length() > 0) {
                out.append(',');
            }
            out.append(d + 1);
            if (end - d >= 2) {
                out.append('-').append(end + 1);
            } else if (end == d + 1) {
                out.append(',').append(end + 1);
            }
            d = days.nextSetBit(end + 1);
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return source;
    }
}
