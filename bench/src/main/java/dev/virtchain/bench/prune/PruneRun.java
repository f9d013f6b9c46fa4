package dev.virtchain.bench.prune;

import dev.virtchain.model.retention.Retention;
import dev.virtchain.model.retention.RetentionCandidate;
import dev.virtchain.model.retention.RetentionPolicy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
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
    record Outcome(Tally tally, int snapshots, int deleted, int prunes, int mostAtOnce, int maxChainLength,
                   int reverts, int clones) {
    }

    /** What happens besides the hourly snapshots. */
    enum History {
        /** Snapshots and prunes only: one linear chain. */
        LINEAR("linear"),
        /**
         * Every {@value #REVERT_EVERY} hours the guest goes back to the snapshot of
         * {@value #REVERT_BACK} hours before (the state it leaves is kept as a snapshot, deleted
         * {@value #KEEP_REVERTED} hours later); every {@value #CLONE_EVERY} hours the snapshot of
         * {@value #CLONE_BACK} hours before is cloned, and the clone is removed
         * {@value #CLONE_LIFE} hours later. Prunes then meet branch points and protected holders.
         */
        BRANCHING("reverts and clones");

        static final int REVERT_EVERY = 48;
        static final int REVERT_BACK = 6;
        static final int KEEP_REVERTED = 24;
        static final int CLONE_EVERY = 72;
        static final int CLONE_BACK = 12;
        static final int CLONE_LIFE = 36;

        private final String label;

        History(String label) {
            this.label = label;
        }

        String label() {
            return label;
        }
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
        return run(w, schedule, History.LINEAR, strategy);
    }

    static Outcome run(Workload w, Schedule schedule, History history, PruneStrategy strategy) {
        WritePattern.ClusterStream writes = w.pattern().stream(w.clusters(), w.seed());
        List<RetentionCandidate> alive = new ArrayList<>();
        /* Kept states of reverts (not the policy's: retention never sees them), by the hour they go. */
        Map<String, Integer> reverted = new LinkedHashMap<>();
        /* Live clones, by the hour they are removed, and the snapshot each protects. */
        Map<String, Integer> clones = new LinkedHashMap<>();
        Map<String, String> cloneOf = new HashMap<>();
        int deleted = 0;
        int prunes = 0;
        int mostAtOnce = 0;
        int reverts = 0;
        int cloned = 0;
        int maxChain = strategy.chainLength();
        for (int hour = 0; hour < HOURS; hour++) {
            long token = hour + 1;
            for (int i = 0; i < w.clustersPerHour(); i++) {
                strategy.write(writes.next(), token);
            }
            Instant at = START.plus(Duration.ofHours(hour));
            String name = name(at);
            strategy.snapshot(name, at);
            alive.add(new RetentionCandidate(name, at, false));
            maxChain = Math.max(maxChain, strategy.chainLength());

            if (history == History.BRANCHING) {
                if (hour % History.REVERT_EVERY == History.REVERT_EVERY - 8) {
                    String back = name(at.minus(Duration.ofHours(History.REVERT_BACK)));
                    if (alive.stream().anyMatch(c -> c.name().equals(back))) {
                        reverted.put(strategy.revert(back), hour + History.KEEP_REVERTED);
                        reverts++;
                    }
                }
                if (hour % History.CLONE_EVERY == History.CLONE_EVERY / 2) {
                    String of = name(at.minus(Duration.ofHours(History.CLONE_BACK)));
                    String clone = "clone" + (cloned + 1);
                    if (pin(alive, of, true)) {
                        strategy.cloneSnapshot(of, clone);
                        clones.put(clone, hour + History.CLONE_LIFE);
                        cloneOf.put(clone, of);
                        cloned++;
                    }
                }
                for (var it = clones.entrySet().iterator(); it.hasNext(); ) {
                    var c = it.next();
                    if (c.getValue() <= hour) {
                        strategy.dropClone(c.getKey());
                        pin(alive, cloneOf.remove(c.getKey()), false);
                        it.remove();
                    }
                }
            }

            if (!schedule.prunesAfter(hour)) {
                continue;
            }
            List<RetentionCandidate> gone = Retention.evaluate(alive, POLICY, ZoneOffset.UTC).toDelete();
            List<String> names = new ArrayList<>();
            Set<String> goneNames = new HashSet<>();
            for (var it = reverted.entrySet().iterator(); it.hasNext(); ) {
                var r = it.next();
                if (r.getValue() <= hour) {
                    names.add(r.getKey());
                    it.remove();
                }
            }
            for (RetentionCandidate c : gone) {
                names.add(c.name());
                goneNames.add(c.name());
            }
            if (!names.isEmpty()) {
                strategy.delete(names); // toDelete() is oldest first
                alive.removeIf(c -> goneNames.contains(c.name()));
                deleted += names.size();
                prunes++;
                mostAtOnce = Math.max(mostAtOnce, names.size());
            }
        }
        return new Outcome(strategy.tally(), HOURS, deleted, prunes, mostAtOnce, maxChain, reverts, cloned);
    }

    private static String name(Instant at) {
        return "hourly-" + at.atOffset(ZoneOffset.UTC).toLocalDateTime();
    }

    /** Marks snapshot {@code name} as pinned (a clone reads it) or not; false when it is gone. */
    private static boolean pin(List<RetentionCandidate> alive, String name, boolean pinned) {
        for (int i = 0; i < alive.size(); i++) {
            RetentionCandidate c = alive.get(i);
            if (c.name().equals(name)) {
                alive.set(i, new RetentionCandidate(c.name(), c.created(), pinned));
                return true;
            }
        }
        return false;
    }
}
