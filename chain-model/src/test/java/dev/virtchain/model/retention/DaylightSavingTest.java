package dev.virtchain.model.retention;

import static dev.virtchain.model.retention.RetentionFixture.BERLIN;
import static dev.virtchain.model.retention.RetentionFixture.deleted;
import static dev.virtchain.model.retention.RetentionFixture.kept;
import static dev.virtchain.model.retention.RetentionFixture.policy;
import static dev.virtchain.model.retention.RetentionFixture.reasons;
import static dev.virtchain.model.retention.RetentionFixture.snapshots;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Europe/Berlin's DST changes of 2026. Hourly periods are local date + hour, as Proxmox builds
 * them: the repeated autumn hour is one period, the skipped spring hour is none.
 */
class DaylightSavingTest {

    /** 2026-03-29: at 02:00 CET the clock jumps to 03:00 CEST. */
    @Test
    void springForwardSkippedHourIsNoPeriodAndReservesNothing() {
        var candidates = snapshots(BERLIN,
                "2026-03-29T01:00", "2026-03-29T01:30", "2026-03-29T03:00", "2026-03-29T03:30", "2026-03-29T04:00");
        assertEquals(Duration.ofMinutes(30),
                Duration.between(candidates.get(1).created(), candidates.get(2).created()),
                "01:30 CET and 03:00 CEST are half an hour apart");

        var d = Retention.evaluate(candidates, policy("hourly=3"), BERLIN);

        assertEquals(List.of("2026-03-29T01:30", "2026-03-29T03:30", "2026-03-29T04:00"), kept(d));
        assertEquals(List.of("hourly 2026-03-29T01"), reasons(d, "2026-03-29T01:30"));
        assertEquals(List.of("hourly 2026-03-29T03"), reasons(d, "2026-03-29T03:30"));
    }

    /** 2026-10-25: at 03:00 CEST the clock goes back to 02:00 CET, so 02:xx happens twice. */
    @Test
    void fallBackRepeatedHourIsOneHourlyPeriod() {
        var d = Retention.evaluate(snapshots(BERLIN,
                        "2026-10-25T01:30",
                        "2026-10-25T02:15+02:00", "2026-10-25T02:45+02:00",
                        "2026-10-25T02:15+01:00", "2026-10-25T02:45+01:00",
                        "2026-10-25T03:15"),
                policy("hourly=3"), BERLIN);

        assertEquals(List.of("2026-10-25T01:30", "2026-10-25T02:45+01:00", "2026-10-25T03:15"), kept(d));
        assertEquals(List.of("2026-10-25T02:15+02:00", "2026-10-25T02:45+02:00", "2026-10-25T02:15+01:00"),
                deleted(d));
        assertEquals(List.of("hourly 2026-10-25T02"), reasons(d, "2026-10-25T02:45+01:00"));
    }

    @Test
    void theTwentyFiveHourDayIsOneDailyPeriod() {
        var d = Retention.evaluate(snapshots(BERLIN,
                        "2026-10-24T23:30", "2026-10-25T00:30", "2026-10-25T02:30+02:00", "2026-10-25T02:30+01:00",
                        "2026-10-25T23:30"),
                policy("daily=2"), BERLIN);

        assertEquals(List.of("2026-10-24T23:30", "2026-10-25T23:30"), kept(d));
    }

    @Test
    void theTwentyThreeHourDayIsOneDailyPeriod() {
        var d = Retention.evaluate(snapshots(BERLIN,
                        "2026-03-28T23:30", "2026-03-29T00:30", "2026-03-29T03:30", "2026-03-29T23:30"),
                policy("daily=2"), BERLIN);

        assertEquals(List.of("2026-03-28T23:30", "2026-03-29T23:30"), kept(d));
    }

    /**
     * A snapshot every 30 minutes of real time across the autumn change: keep-hourly 4 keeps
     * one snapshot per local hour, 01, 02 (twice as long), 03, 04, and the second 02:00 run of
     * the repeated hour holds its newest.
     */
    @Test
    void halfHourlySnapshotsAcrossFallBackKeepOnePerLocalHour() {
        var d = Retention.evaluate(snapshots(BERLIN,
                        "2026-10-25T01:00", "2026-10-25T01:30",
                        "2026-10-25T02:00+02:00", "2026-10-25T02:30+02:00",
                        "2026-10-25T02:00+01:00", "2026-10-25T02:30+01:00",
                        "2026-10-25T03:00", "2026-10-25T03:30", "2026-10-25T04:00", "2026-10-25T04:30"),
                policy("hourly=4"), BERLIN);

        assertEquals(List.of("2026-10-25T01:30", "2026-10-25T02:30+01:00", "2026-10-25T03:30", "2026-10-25T04:30"),
                kept(d));
    }
}
