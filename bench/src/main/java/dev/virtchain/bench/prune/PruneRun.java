package dev.virtchain.bench.prune;

import dev.virtchain.model.retention.Retention;
import dev.virtchain.model.retention.RetentionCandidate;
import dev.virtchain.model.retention.RetentionPolicy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Thirty days of hourly snapshots under one strategy: each hour the guest writes, a snapshot is
 * taken, and on the schedule's hours retention (keep 24 hourly, 7 daily, 4 weekly, in UTC) is
 * evaluated over every snapshot so far; whatever it lets go is deleted in one prune.
 */
final class PruneRun {
    static final int HOURS = 30 * 24;
    /** A Monday at midnight: the 30 days start on a week's first day. */
    static final Instant START = Instant.parse("2026-11-02T00:00:00Z");
    static final RetentionPolicy POLICY = new RetentionPolicy(0, 24, 7, 4, 0, 0, 0);

    /** What a run produced. */
    record Outcome(Tally tally, int snapshots, int deleted, int prunes, int mostAtOnce, int maxChainLength) {
    }

    private PruneRun() {
    }

    /** When retention runs. */
    enum Schedule {
        /** After every snapshot, as the benchmark's brief asks. */
        HOURLY("after every snapshot"),
        /** Once a day, after the midnight snapshot: a nightly maintenance run. */
        NIGHTLY("once a day at 00:00");

        private final String label;

        Schedule(String label) {
            this.label = label;
        }

        String label() {
            return label;
        }

        boolean prunesAfter(int hour) {
            return this == HOURLY || hour % 24 == 0;
        }
    }

    static Outcome run(Workload w, Schedule schedule, PruneStrategy strategy) {
        WritePattern.ClusterStream writes = w.pattern().stream(w.clusters(), w.seed());
        List<RetentionCandidate> alive = new ArrayList<>();
        int deleted = 0;
        int prunes = 0;
        int mostAtOnce = 0;
        int maxChain = strategy.chainLength();
        for (int hour = 0; hour < HOURS; hour++) {
            long token = hour + 1;
            for (int i = 0; i < w.clustersPerHour(); i++) {
                strategy.write(writes.next(), token);
            }
            Instant at = START.plus(Duration.ofHours(hour));
            String name = "hourly-" + at.atOffset(ZoneOffset.UTC).toLocalDateTime();
            strategy.snapshot(name, at);
            alive.add(new RetentionCandidate(name, at, false));
            maxChain = Math.max(maxChain, strategy.chainLength());

            if (!schedule.prunesAfter(hour)) {
                continue;
            }
            List<RetentionCandidate> gone = Retention.evaluate(alive, POLICY, ZoneOffset.UTC).toDelete();
            if (!gone.isEmpty()) {
                List<String> names = new ArrayList<>();
                Set<String> goneNames = new HashSet<>();
                for (RetentionCandidate c : gone) {
                    names.add(c.name());
                    goneNames.add(c.name());
                }
                strategy.delete(names); // toDelete() is oldest first
                alive.removeIf(c -> goneNames.contains(c.name()));
                deleted += names.size();
                prunes++;
                mostAtOnce = Math.max(mostAtOnce, names.size());
            }
        }
        return new Outcome(strategy.tally(), HOURS, deleted, prunes, mostAtOnce, maxChain);
    }
}
