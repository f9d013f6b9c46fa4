package dev.virtchain.model.retention;

import static dev.virtchain.model.retention.RetentionFixture.BERLIN;
import static dev.virtchain.model.retention.RetentionFixture.UTC;
import static dev.virtchain.model.retention.RetentionFixture.kept;
import static dev.virtchain.model.retention.RetentionFixture.policy;
import static dev.virtchain.model.retention.RetentionFixture.reasons;
import static dev.virtchain.model.retention.RetentionFixture.snapshots;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The keep rules one by one and together, in UTC unless a row is about zones. */
class KeepRulesTest {

    private static Arguments row(String what, String policy, List<String> snapshots, List<String> kept) {
        return Arguments.of(what, policy, snapshots, kept);
    }

    static Stream<Arguments> table() {
        return Stream.of(
                row("keep-last 3 keeps the three newest", "last=3",
                        List.of("2026-11-20T10:00", "2026-11-20T11:00", "2026-11-20T12:00", "2026-11-20T13:00", "2026-11-20T14:00"),
                        List.of("2026-11-20T12:00", "2026-11-20T13:00", "2026-11-20T14:00")),
                row("keep-last beyond the list keeps everything", "last=10",
                        List.of("2026-11-20T10:00", "2026-11-20T11:00", "2026-11-20T12:00"),
                        List.of("2026-11-20T10:00", "2026-11-20T11:00", "2026-11-20T12:00")),
                row("keep-hourly keeps the newest of each hour; the empty 13:00 hour does not count", "hourly=3",
                        List.of("2026-11-20T10:05", "2026-11-20T10:35", "2026-11-20T11:10", "2026-11-20T12:00",
                                "2026-11-20T12:59", "2026-11-20T14:00"),
                        List.of("2026-11-20T11:10", "2026-11-20T12:59", "2026-11-20T14:00")),
                row("keep-daily keeps the newest of each day", "daily=2",
                        List.of("2026-11-18T08:00", "2026-11-18T20:00", "2026-11-20T06:00", "2026-11-20T22:00",
                                "2026-11-21T01:00"),
                        List.of("2026-11-20T22:00", "2026-11-21T01:00")),
                row("days without snapshots are not periods: daily=3 reaches back to the 10th", "daily=3",
                        List.of("2026-11-01T12:00", "2026-11-10T12:00", "2026-11-20T12:00", "2026-11-21T12:00"),
                        List.of("2026-11-10T12:00", "2026-11-20T12:00", "2026-11-21T12:00")),
                row("keep-weekly uses ISO weeks: 2026-12-28 to 2027-01-03 is one week, 2026-W53", "weekly=3",
                        List.of("2026-12-20T12:00", "2026-12-27T12:00", "2026-12-28T12:00", "2026-12-31T12:00",
                                "2027-01-03T12:00", "2027-01-04T12:00"),
                        List.of("2026-12-27T12:00", "2027-01-03T12:00", "2027-01-04T12:00")),
                row("keep-monthly: Jan 31 23:30 and Feb 1 00:30 are different months", "monthly=3",
                        List.of("2027-01-15T12:00", "2027-01-31T23:30", "2027-02-01T00:30", "2027-02-28T23:00",
                                "2027-03-01T00:00"),
                        List.of("2027-01-31T23:30", "2027-02-28T23:00", "2027-03-01T00:00")),
                row("leap day 2028-02-29 is a day of its own and part of February", "daily=2 monthly=2",
                        List.of("2028-01-31T12:00", "2028-02-28T12:00", "2028-02-29T06:00", "2028-02-29T18:00",
                                "2028-03-01T00:30"),
                        List.of("2028-01-31T12:00", "2028-02-29T18:00", "2028-03-01T00:30")),
                row("keep-yearly: 23:59 on Dec 31 and 00:00 on Jan 1 are different years", "yearly=2",
                        List.of("2025-06-01T12:00", "2026-01-01T00:00", "2026-12-31T23:59", "2027-01-01T00:00"),
                        List.of("2026-12-31T23:59", "2027-01-01T00:00")),
                row("covered periods are skipped and not counted: last=3 + daily=2 keeps five days", "last=3 daily=2",
                        List.of("2026-11-11T12:00", "2026-11-12T12:00", "2026-11-13T12:00", "2026-11-14T12:00",
                                "2026-11-15T12:00", "2026-11-16T12:00", "2026-11-17T12:00", "2026-11-18T12:00",
                                "2026-11-19T12:00", "2026-11-20T12:00"),
                        List.of("2026-11-16T12:00", "2026-11-17T12:00", "2026-11-18T12:00", "2026-11-19T12:00",
                                "2026-11-20T12:00")),
                row("hourly then daily: the daily rule starts below the days the hours covered", "hourly=2 daily=2",
                        List.of("2026-11-18T09:00", "2026-11-18T21:00", "2026-11-19T09:00", "2026-11-19T21:00",
                                "2026-11-20T09:00", "2026-11-20T21:00"),
                        List.of("2026-11-18T21:00", "2026-11-19T21:00", "2026-11-20T09:00", "2026-11-20T21:00")),
                row("a snapshot passed over by keep-weekly is not taken back by keep-monthly (Proxmox)",
                        "weekly=1 monthly=2",
                        List.of("2026-01-20T12:00", "2026-01-31T12:00", "2026-02-01T12:00"),
                        List.of("2026-01-20T12:00", "2026-02-01T12:00")),
                row("every keep rule off keeps everything", "",
                        List.of("2026-11-20T10:00", "2026-11-20T11:00", "2026-11-20T12:00"),
                        List.of("2026-11-20T10:00", "2026-11-20T11:00", "2026-11-20T12:00")),
                row("no snapshots, nothing to decide", "last=1 daily=7", List.of(), List.of()),
                row("keep-last counts snapshots, not instants; a tie goes to the later name", "last=1",
                        List.of("b@2026-11-20T10:00", "a@2026-11-20T10:00"),
                        List.of("b")),
                row("two snapshots at one instant are two of keep-last's N", "last=2",
                        List.of("b@2026-11-20T10:00", "a@2026-11-20T10:00", "c@2026-11-20T09:00"),
                        List.of("a", "b")),
                row("a tie inside a period goes to the later name", "daily=1",
                        List.of("y@2026-11-20T10:00", "x@2026-11-20T10:00", "w@2026-11-20T09:00"),
                        List.of("y")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void keepsExactlyTheExpectedSnapshots(String what, String policy, List<String> specs, List<String> expected) {
        var decision = Retention.evaluate(snapshots(UTC, specs.toArray(String[]::new)), policy(policy), UTC);

        assertEquals(expected, kept(decision), what);
        assertEquals(specs.size(), decision.verdicts().size(), "one verdict per snapshot");
        assertTrue(decision.warnings().isEmpty(), () -> "no warnings expected: " + decision.warnings());
    }

    @Test
    void reasonsNameTheRuleAndItsLocalPeriod() {
        var d = Retention.evaluate(snapshots(UTC,
                        "2026-12-27T12:00", "2027-01-03T12:00", "2027-01-04T10:00", "2027-01-04T11:00",
                        "2027-01-04T12:30"),
                policy("last=1 hourly=1 daily=1 weekly=2 monthly=1 yearly=1"), UTC);

        assertEquals(List.of("last 1", "hourly 2027-01-04T12 (already kept)", "daily 2027-01-04 (already kept)",
                "weekly 2027-W01 (already kept)", "monthly 2027-01 (already kept)", "yearly 2027 (already kept)"),
                reasons(d, "2027-01-04T12:30"));
        assertEquals(List.of("hourly 2027-01-04T11"), reasons(d, "2027-01-04T11:00"));
        // hourly=1 was used up by 11:00, and its day was already covered: no rule keeps 10:00.
        assertEquals(List.of(), reasons(d, "2027-01-04T10:00"));
        assertEquals(List.of("daily 2027-01-03", "weekly 2026-W53 (already kept)"), reasons(d, "2027-01-03T12:00"));
        assertEquals(List.of("weekly 2026-W52", "monthly 2026-12 (already kept)", "yearly 2026 (already kept)"),
                reasons(d, "2026-12-27T12:00"));
    }

    /**
     * One snapshot fills the periods of several rules, and each rule then moves on to older
     * periods. Worked out by hand, rule by rule:
     * <pre>
     *   last 1   g                              (newest)
     *   hourly 1 T05 covered by g      -> e (T04)
     *   daily 1  11-21 covered by g, e -> d (11-20)          f: its hour and day are covered
     *   weekly 1 W47 covered (g e d)   -> b (W42)            c: its week is covered
     *   monthly 1 2026-11, 2026-10 covered -> a (2025-12)
     *   yearly 1 2026 (g), 2025 (a) covered -> nothing more
     * </pre>
     */
    @Test
    void oneSnapshotFillsSeveralPeriodsAndTheRulesMoveOnToOlderOnes() {
        var d = Retention.evaluate(snapshots(UTC,
                        "a@2025-12-31T12:00", "b@2026-10-15T09:00", "c@2026-11-18T09:00", "d@2026-11-20T08:00",
                        "e@2026-11-21T04:00", "f@2026-11-21T05:00", "g@2026-11-21T05:30"),
                policy("last=1 hourly=1 daily=1 weekly=1 monthly=1 yearly=1"), UTC);

        assertEquals(List.of("a", "b", "d", "e", "g"), kept(d));
        assertEquals(List.of("last 1", "hourly 2026-11-21T05 (already kept)", "daily 2026-11-21 (already kept)",
                "weekly 2026-W47 (already kept)", "monthly 2026-11 (already kept)", "yearly 2026 (already kept)"),
                reasons(d, "g"));
        assertEquals(List.of("hourly 2026-11-21T04"), reasons(d, "e"));
        assertEquals(List.of("daily 2026-11-20"), reasons(d, "d"));
        assertEquals(List.of("weekly 2026-W42", "monthly 2026-10 (already kept)"), reasons(d, "b"));
        assertEquals(List.of("monthly 2025-12", "yearly 2025 (already kept)"), reasons(d, "a"));
        assertEquals(List.of(), reasons(d, "c"));
        assertEquals(List.of(), reasons(d, "f"));
    }

    @Test
    void periodsAreLocalToTheZone() {
        // 23:30 UTC on Jan 31 is already 00:30 on Feb 1 in Berlin.
        var specs = new String[] {"c@2026-12-15T12:00Z", "b@2027-01-31T12:00Z", "a@2027-01-31T23:30Z"};
        var monthly2 = policy("monthly=2");

        assertEquals(List.of("c", "a"), kept(Retention.evaluate(snapshots(UTC, specs), monthly2, UTC)));
        assertEquals(List.of("b", "a"), kept(Retention.evaluate(snapshots(BERLIN, specs), monthly2, BERLIN)));
        assertEquals(List.of("monthly 2027-02"),
                reasons(Retention.evaluate(snapshots(BERLIN, specs), monthly2, BERLIN), "a"));
    }

    @Test
    void inputOrderDoesNotMatterAndVerdictsComeOutOldestFirst() {
        List<RetentionCandidate> sorted = snapshots(UTC,
                "2026-11-01T12:00", "2026-11-10T12:00", "t1@2026-11-20T12:00", "t2@2026-11-20T12:00",
                "2026-11-20T18:00", "2026-11-21T12:00", "2026-11-21T13:00");
        var p = policy("last=1 daily=2 weekly=1");
        var expected = Retention.evaluate(sorted, p, UTC);

        Random random = new Random(7);
        for (int i = 0; i < 20; i++) {
            List<RetentionCandidate> shuffled = new ArrayList<>(sorted);
            Collections.shuffle(shuffled, random);
            assertEquals(expected, Retention.evaluate(shuffled, p, UTC), () -> "input order " + shuffled);
        }
        assertEquals(sorted, expected.verdicts().stream().map(RetentionDecision.Verdict::candidate).toList());
    }

    @Test
    void keepAllIsTheReasonWhenEveryRuleIsOff() {
        var d = Retention.evaluate(snapshots(UTC, "2026-11-20T10:00", "2026-11-20T11:00 held"), policy(""), UTC);

        assertEquals(List.of("keep-all"), reasons(d, "2026-11-20T10:00"));
        assertEquals(List.of("held"), reasons(d, "2026-11-20T11:00"));
        assertEquals(List.of(), d.toDelete());
    }
}
