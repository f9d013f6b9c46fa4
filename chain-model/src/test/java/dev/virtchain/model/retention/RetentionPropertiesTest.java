package dev.virtchain.model.retention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Properties over many random inputs. The seed is fixed and printed; run i uses
 * {@code new Random(seed + i)}, so a failure message names everything needed to replay it.
 * Another seed: {@code mvn test -Dretention.seed=N}.
 */
class RetentionPropertiesTest {

    private static final long SEED = Long.getLong("retention.seed", 20261121L);
    private static final int RUNS = 3000;

    /** Zones whose local periods never go backwards in time (see package documentation). */
    private static final List<ZoneId> ZONES = List.of(ZoneId.of("UTC"), ZoneId.of("Europe/Berlin"),
            ZoneId.of("America/New_York"), ZoneId.of("Australia/Lord_Howe"), ZoneId.of("Asia/Kolkata"));

    /** Where snapshots cluster: anywhere in three years, or around Berlin's 2026 DST changes and the 2026 year end. */
    private static final List<Instant> ANCHORS = List.of(Instant.parse("2026-03-28T20:00:00Z"),
            Instant.parse("2026-10-24T20:00:00Z"), Instant.parse("2026-12-25T00:00:00Z"),
            Instant.parse("2028-02-27T00:00:00Z"));

    record Input(List<RetentionCandidate> candidates, RetentionPolicy policy, ZoneId zone) {
        @Override
        public String toString() {
            return policy + " in " + zone + " over " + candidates;
        }
    }

    @BeforeAll
    static void printSeed() {
        System.out.println("retention property tests: seed " + SEED + ", " + RUNS + " runs");
    }

    @Test
    void deletingWhatWasDecidedLeavesNothingMoreToDelete() {
        forEachInput((run, in) -> {
            var first = Retention.evaluate(in.candidates(), in.policy(), in.zone());
            var second = Retention.evaluate(first.kept(), in.policy(), in.zone());

            assertEquals(List.of(), second.toDelete(), () -> run + ": first " + first.verdicts());
            assertEquals(first.kept(), second.kept(), run);
        });
    }

    @Test
    void keepRulesAgreeWithThePeriodByPeriodOracle() {
        forEachInput((run, in) -> {
            var noDepth = withoutDepthLimit(in.policy());
            var decision = Retention.evaluate(in.candidates(), noDepth, in.zone());

            assertEquals(PruneOracle.keptNames(in.candidates(), noDepth, in.zone()), names(decision.kept()), run);
        });
    }

    @Test
    void heldSnapshotsAreKeptAndChangeNothingElse() {
        forEachInput((run, in) -> {
            var noDepth = withoutDepthLimit(in.policy());
            var all = Retention.evaluate(in.candidates(), noDepth, in.zone());
            var unheld = in.candidates().stream().filter(c -> !c.held()).toList();
            var withoutHeld = Retention.evaluate(unheld, noDepth, in.zone());

            Set<String> expected = names(withoutHeld.kept());
            in.candidates().stream().filter(RetentionCandidate::held).forEach(c -> expected.add(c.name()));
            assertEquals(expected, names(all.kept()), run);
        });
    }

    @Test
    void depthLimitDeletesOnlyTheOldestOfWhatTheRulesKept() {
        forEachInput((run, in) -> {
            int maxDepth = in.policy().maxDepth();
            var limited = Retention.evaluate(in.candidates(), in.policy(), in.zone());
            var unlimited = Retention.evaluate(in.candidates(), withoutDepthLimit(in.policy()), in.zone());
            long held = in.candidates().stream().filter(RetentionCandidate::held).count();

            List<RetentionCandidate> consolidated = limited.verdicts().stream()
                    .filter(v -> !v.keep() && !v.reasons().isEmpty())
                    .map(RetentionDecision.Verdict::candidate).toList();
            if (maxDepth == 0) {
                assertEquals(List.of(), consolidated, run);
                return;
            }
            assertEquals(Math.min(unlimited.kept().size(), Math.max(maxDepth, held)), limited.kept().size(), run);
            assertEquals(held > maxDepth, !limited.warnings().isEmpty(), run);
            // Consolidated = the oldest unheld snapshots the rules kept, and nothing else changed.
            List<RetentionCandidate> keptUnheld = unlimited.kept().stream().filter(c -> !c.held()).toList();
            assertEquals(keptUnheld.subList(0, consolidated.size()), consolidated, run);
            List<RetentionCandidate> rest = new ArrayList<>(unlimited.kept());
            rest.removeAll(consolidated);
            assertEquals(rest, limited.kept(), run);
        });
    }

    @Test
    void inputOrderDoesNotMatter() {
        forEachInput((run, in) -> {
            List<RetentionCandidate> reversed = new ArrayList<>(in.candidates());
            Collections.reverse(reversed);

            assertEquals(Retention.evaluate(in.candidates(), in.policy(), in.zone()),
                    Retention.evaluate(reversed, in.policy(), in.zone()), run);
        });
    }

    @Test
    void everyCandidateGetsOneVerdictInTimeOrder() {
        forEachInput((run, in) -> {
            var d = Retention.evaluate(in.candidates(), in.policy(), in.zone());

            assertEquals(names(in.candidates()), names(d.verdicts().stream().map(RetentionDecision.Verdict::candidate).toList()), run);
            assertTrue(d.toDelete().stream().noneMatch(RetentionCandidate::held), run);
        });
    }

    private interface Check {
        void accept(String run, Input input);
    }

    private static void forEachInput(Check check) {
        for (int i = 0; i < RUNS; i++) {
            Input in = randomInput(new Random(SEED + i));
            check.accept("seed " + SEED + " run " + i + ": " + in, in);
        }
    }

    static Input randomInput(Random r) {
        int n = r.nextInt(50);
        Instant t = r.nextInt(3) == 0
                ? ANCHORS.get(r.nextInt(ANCHORS.size()))
                : Instant.parse("2026-01-01T00:00:00Z").plus(Duration.ofMinutes(r.nextInt(3 * 365 * 24 * 60)));
        // Gaps of every scale, and some zero gaps for identical times; names shuffled so that
        // name order is not time order.
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(i);
        }
        Collections.shuffle(ids, r);
        List<RetentionCandidate> candidates = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Duration gap = switch (r.nextInt(10)) {
                case 0 -> Duration.ZERO;
                case 1, 2, 3, 4 -> Duration.ofMinutes(1 + r.nextInt(90));
                case 5, 6, 7 -> Duration.ofHours(1 + r.nextInt(30));
                case 8 -> Duration.ofDays(1 + r.nextInt(10));
                default -> Duration.ofDays(7 + r.nextInt(60));
            };
            t = t.plus(gap);
            candidates.add(new RetentionCandidate("s" + ids.get(i), t, r.nextInt(10) == 0));
        }
        Collections.shuffle(candidates, r);
        Function<Random, Integer> count = rr -> rr.nextInt(3) == 0 ? 0 : 1 + rr.nextInt(5);
        RetentionPolicy policy = r.nextInt(20) == 0
                ? new RetentionPolicy(0, 0, 0, 0, 0, 0, r.nextInt(8))
                : new RetentionPolicy(count.apply(r), count.apply(r), count.apply(r), count.apply(r),
                        count.apply(r), count.apply(r), r.nextBoolean() ? 0 : 1 + r.nextInt(15));
        return new Input(List.copyOf(candidates), policy, ZONES.get(r.nextInt(ZONES.size())));
    }

    private static RetentionPolicy withoutDepthLimit(RetentionPolicy p) {
        return new RetentionPolicy(p.keepLast(), p.keepHourly(), p.keepDaily(), p.keepWeekly(), p.keepMonthly(),
                p.keepYearly(), 0);
    }

    private static Set<String> names(List<RetentionCandidate> candidates) {
        return candidates.stream().map(RetentionCandidate::name).collect(Collectors.toCollection(TreeSet::new));
    }
}
