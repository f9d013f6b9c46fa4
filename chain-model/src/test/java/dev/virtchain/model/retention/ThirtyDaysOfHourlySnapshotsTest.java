package dev.virtchain.model.retention;

import static dev.virtchain.model.retention.RetentionFixture.BERLIN;
import static dev.virtchain.model.retention.RetentionFixture.kept;
import static dev.virtchain.model.retention.RetentionFixture.policy;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** A month of snapshots taken every hour under keep-hourly 24, keep-daily 7, keep-weekly 4. */
class ThirtyDaysOfHourlySnapshotsTest {

    private static final RetentionPolicy POLICY = policy("hourly=24 daily=7 weekly=4");

    /**
     * November 2026 in Berlin (no DST change), 720 snapshots, the newest Mon 11-30 23:00.
     * <ul>
     * <li>hourly 24: every hour of Mon 11-30;</li>
     * <li>daily 7: 11-30 is covered, so 23:00 of 11-29 back to 11-23;</li>
     * <li>weekly 4: W49 (11-30) and W48 (11-23..29) are covered, so the Sunday 23:00 of W47,
     *     W46, W45 and the lone Sunday 11-01 of W44.</li>
     * </ul>
     * 24 + 7 + 4 = 35 kept, listed here by hand.
     */
    @Test
    void novemberKeepsTheLastDayHourlyAWeekDailyAndFourSundays() {
        var candidates = everyHour(BERLIN, LocalDateTime.parse("2026-11-01T00:00"), LocalDateTime.parse("2026-11-30T23:00"));
        assertEquals(720, candidates.size());

        List<String> expected = new ArrayList<>();
        for (String sunday : List.of("2026-11-01", "2026-11-08", "2026-11-15", "2026-11-22")) {
            expected.add(sunday + "T23:00");
        }
        for (int day = 23; day <= 29; day++) {
            expected.add("2026-11-" + day + "T23:00");
        }
        for (int hour = 0; hour < 24; hour++) {
            expected.add(String.format("2026-11-30T%02d:00", hour));
        }

        var d = Retention.evaluate(candidates, POLICY, BERLIN);

        assertEquals(expected, kept(d));
        assertEquals(new TreeSet<>(expected), PruneOracle.keptNames(candidates, POLICY, BERLIN));
        assertEquals(List.of("weekly 2026-W44"), RetentionFixture.reasons(d, "2026-11-01T23:00"));
        assertEquals(List.of("daily 2026-11-29", "weekly 2026-W48 (already kept)"),
                RetentionFixture.reasons(d, "2026-11-29T23:00"));
    }

    /**
     * The same policy over the 30 days around the autumn DST change, one snapshot every hour of
     * real time (721 of them: 2026-10-25 has 25 hours), checked against the oracle, and by hand
     * for the counts: the repeated 02:00 hour does not matter to a policy that keeps only the
     * last day hourly.
     */
    @Test
    void thirtyDaysAcrossFallBackMatchTheOracle() {
        var candidates = everyHour(BERLIN, LocalDateTime.parse("2026-10-10T00:00"), LocalDateTime.parse("2026-11-08T23:00"));
        assertEquals(721, candidates.size());

        var d = Retention.evaluate(candidates, POLICY, BERLIN);

        assertEquals(PruneOracle.keptNames(candidates, POLICY, BERLIN), new TreeSet<>(kept(d)));
        // Sun 11-08 hourly (24), 11-07 back to 11-01 daily (7); W45 and W44 are covered, and
        // only three older weeks have snapshots: W43, W42 and W41 (which starts on Sat 10-10).
        assertEquals(24 + 7 + 3, d.kept().size());
        assertEquals(List.of("2026-10-11T23:00", "2026-10-18T23:00", "2026-10-25T23:00"), kept(d).subList(0, 3));
        assertEquals(List.of("2026-10-25T02:00+02:00", "2026-10-25T02:00+01:00"),
                candidates.stream().map(RetentionCandidate::name).filter(n -> n.startsWith("2026-10-25T02")).toList());
    }

    /**
     * One snapshot per hour of real time from {@code first} to {@code last}, named by local
     * time as {@link RetentionFixture} writes it: with the offset only where the local time is
     * ambiguous.
     */
    static List<RetentionCandidate> everyHour(ZoneId zone, LocalDateTime first, LocalDateTime last) {
        List<RetentionCandidate> out = new ArrayList<>();
        ZonedDateTime end = last.atZone(zone);
        for (ZonedDateTime t = first.atZone(zone); !t.isAfter(end); t = t.plus(Duration.ofHours(1))) {
            out.add(new RetentionCandidate(name(t), t.toInstant(), false));
        }
        return out;
    }

    private static String name(ZonedDateTime t) {
        boolean ambiguous = t.getZone().getRules().getValidOffsets(t.toLocalDateTime()).size() > 1;
        return ambiguous ? t.toOffsetDateTime().toString() : t.toLocalDateTime().toString();
    }
}
