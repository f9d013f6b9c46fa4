package dev.virtchain.model.retention;

import static dev.virtchain.model.retention.RetentionFixture.UTC;
import static dev.virtchain.model.retention.RetentionFixture.deleted;
import static dev.virtchain.model.retention.RetentionFixture.kept;
import static dev.virtchain.model.retention.RetentionFixture.policy;
import static dev.virtchain.model.retention.RetentionFixture.reasons;
import static dev.virtchain.model.retention.RetentionFixture.snapshots;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Held snapshots, the depth limit, and what the decision refuses to contain. */
class HoldsAndDepthTest {

    private static Arguments row(String what, String policy, List<String> snapshots, List<String> kept) {
        return Arguments.of(what, policy, snapshots, kept);
    }

    static Stream<Arguments> table() {
        return Stream.of(
                row("a held snapshot is kept though no rule selects it", "last=1",
                        List.of("2026-11-20T10:00 held", "2026-11-20T11:00", "2026-11-20T12:00"),
                        List.of("2026-11-20T10:00", "2026-11-20T12:00")),
                row("a held snapshot does not use up keep-last's count", "last=2",
                        List.of("2026-11-20T10:00", "2026-11-20T11:00", "2026-11-20T12:00", "2026-11-20T13:00 held"),
                        List.of("2026-11-20T11:00", "2026-11-20T12:00", "2026-11-20T13:00")),
                row("a held snapshot does not cover its day: daily keeps the day's newest unheld too", "daily=1",
                        List.of("2026-11-20T10:00", "2026-11-20T23:00 held"),
                        List.of("2026-11-20T10:00", "2026-11-20T23:00")),
                row("a day with only a held snapshot is no period for the daily rule", "daily=1",
                        List.of("2026-11-19T12:00", "2026-11-20T23:00 held"),
                        List.of("2026-11-19T12:00", "2026-11-20T23:00")),
                row("max-depth consolidates the oldest kept snapshots", "last=5 maxDepth=3",
                        List.of("2026-11-20T10:00", "2026-11-20T11:00", "2026-11-20T12:00", "2026-11-20T13:00",
                                "2026-11-20T14:00"),
                        List.of("2026-11-20T12:00", "2026-11-20T13:00", "2026-11-20T14:00")),
                row("max-depth counts held snapshots but never deletes them", "last=4 maxDepth=3",
                        List.of("2026-11-20T10:00 held", "2026-11-20T11:00", "2026-11-20T12:00", "2026-11-20T13:00",
                                "2026-11-20T14:00"),
                        List.of("2026-11-20T10:00", "2026-11-20T13:00", "2026-11-20T14:00")),
                row("max-depth above the kept count changes nothing", "last=2 maxDepth=3",
                        List.of("2026-11-20T10:00", "2026-11-20T11:00", "2026-11-20T12:00"),
                        List.of("2026-11-20T11:00", "2026-11-20T12:00")),
                row("max-depth also caps a policy whose keep rules are all off", "maxDepth=2",
                        List.of("2026-11-20T10:00", "2026-11-20T11:00", "2026-11-20T12:00", "2026-11-20T13:00"),
                        List.of("2026-11-20T12:00", "2026-11-20T13:00")),
                row("held snapshots exactly at max-depth push out every unheld one, without warning",
                        "last=3 maxDepth=2",
                        List.of("2026-11-20T10:00 held", "2026-11-20T11:00 held", "2026-11-20T12:00",
                                "2026-11-20T13:00"),
                        List.of("2026-11-20T10:00", "2026-11-20T11:00")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void keepsExactlyTheExpectedSnapshots(String what, String policy, List<String> specs, List<String> expected) {
        var decision = Retention.evaluate(snapshots(UTC, specs.toArray(String[]::new)), policy(policy), UTC);

        assertEquals(expected, kept(decision), what);
        assertTrue(decision.warnings().isEmpty(), () -> "no warnings expected: " + decision.warnings());
    }

    @Test
    void heldReasonStandsAlone() {
        var d = Retention.evaluate(snapshots(UTC, "2026-11-20T10:00 held", "2026-11-20T11:00"),
                policy("last=5 daily=5"), UTC);

        assertEquals(List.of("held"), reasons(d, "2026-11-20T10:00"));
        assertEquals(List.of("last 1", "daily 2026-11-20 (already kept)"), reasons(d, "2026-11-20T11:00"));
    }

    @Test
    void consolidatedSnapshotsKeepTheirRuleReasonsFollowedByMaxDepth() {
        var d = Retention.evaluate(snapshots(UTC,
                        "2026-11-20T10:00", "2026-11-20T11:00", "2026-11-20T12:00", "2026-11-20T13:00",
                        "2026-11-20T14:00"),
                policy("last=5 maxDepth=3"), UTC);

        assertEquals(List.of("2026-11-20T10:00", "2026-11-20T11:00"), deleted(d));
        assertEquals(List.of("last 5", "max-depth 3"), reasons(d, "2026-11-20T10:00"));
        assertEquals(List.of("last 4", "max-depth 3"), reasons(d, "2026-11-20T11:00"));
        assertEquals(List.of("last 3"), reasons(d, "2026-11-20T12:00"));
    }

    @Test
    void heldBeyondMaxDepthIsAWarningNotAnError() {
        var d = Retention.evaluate(snapshots(UTC,
                        "a@2026-11-20T10:00 held", "b@2026-11-20T11:00 held", "c@2026-11-20T12:00 held",
                        "d@2026-11-20T13:00", "e@2026-11-20T14:00"),
                policy("last=3 maxDepth=2"), UTC);

        assertEquals(List.of("a", "b", "c"), kept(d));
        assertEquals(List.of("d", "e"), deleted(d));
        assertEquals(List.of(new RetentionWarning.HeldExceedMaxDepth(List.of("a", "b", "c"), 2)), d.warnings());
        assertEquals("3 held snapshots exceed max-depth 2; release a hold to let the chain shrink: a, b, c",
                d.warnings().get(0).toString());
    }

    @Test
    void duplicateNameIsRefusedAndNamed() {
        var candidates = snapshots(UTC, "s1@2026-11-20T10:00", "s2@2026-11-20T11:00", "s1@2026-11-20T12:00");

        var e = assertThrows(RetentionException.DuplicateCandidate.class,
                () -> Retention.evaluate(candidates, policy("last=1"), UTC));

        assertEquals("s1", e.name());
        assertEquals("snapshot 's1' was passed to retention twice (created 2026-11-20T10:00:00Z and "
                + "2026-11-20T12:00:00Z); each snapshot must appear once", e.getMessage());
    }

    @Test
    void aVerdictCannotDeleteAHeldSnapshotOrKeepWithoutReason() {
        var held = new RetentionCandidate("h", snapshots(UTC, "2026-11-20T10:00").get(0).created(), true);
        var plain = new RetentionCandidate("p", held.created(), false);

        assertThrows(IllegalArgumentException.class,
                () -> new RetentionDecision.Verdict(held, false, List.of()));
        assertThrows(IllegalArgumentException.class,
                () -> new RetentionDecision.Verdict(plain, true, List.of()));
        assertThrows(IllegalArgumentException.class,
                () -> new RetentionDecision.Verdict(plain, false, List.of(new RetentionReason.KeepAll())));
        assertThrows(IllegalArgumentException.class,
                () -> new RetentionDecision.Verdict(plain, true, List.of(new RetentionReason.MaxDepth(3))));
    }
}
