package dev.virtchain.model.retention;

import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Decides which of a policy's snapshots to keep. See the package documentation for the
 * semantics; this class follows Proxmox Backup Server's prune ({@code compute_prune_info} and
 * {@code mark_selections} in {@code pbs-datastore/src/prune.rs}) step for step, then adds
 * holds and the depth limit.
 */
public final class Retention {

    /**
     * Oldest first. Equal instants are ordered by name, so which of two simultaneous snapshots
     * counts as the newer one does not depend on the order the caller listed them in.
     */
    static final Comparator<RetentionCandidate> CHRONOLOGICAL =
            Comparator.comparing(RetentionCandidate::created).thenComparing(RetentionCandidate::name);

    private Retention() {
    }

    /**
     * Evaluates {@code policy} over {@code candidates}, bucketing time in {@code zone}.
     *
     * <p>No clock is needed: the rules count periods that hold snapshots, never calendar periods
     * back from "now", so the decision depends only on the snapshots and the zone.
     *
     * @param candidates the policy's own snapshots, in any order, names unique
     * @param zone       the zone whose local hours, days, weeks, months and years are the periods
     * @throws RetentionException.DuplicateCandidate if two candidates share a name
     */
    public static RetentionDecision evaluate(List<RetentionCandidate> candidates, RetentionPolicy policy,
                                             ZoneId zone) {
        Objects.requireNonNull(candidates, "candidates");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(zone, "zone");
        List<RetentionCandidate> oldestFirst = sortedUnique(candidates);
        int n = oldestFirst.size();

        boolean[] keep = new boolean[n];
        List<List<RetentionReason>> reasons = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            reasons.add(new ArrayList<>());
        }

        for (int i = 0; i < n; i++) {
            if (oldestFirst.get(i).held()) {
                keep[i] = true;
                reasons.get(i).add(new RetentionReason.Held());
            } else if (policy.keepsEverything()) {
                keep[i] = true;
                reasons.get(i).add(new RetentionReason.KeepAll());
            }
        }
        if (!policy.keepsEverything()) {
            applyKeepRules(oldestFirst, policy, zone, keep, reasons);
        }
        List<RetentionWarning> warnings = consolidate(oldestFirst, policy.maxDepth(), keep, reasons);

        List<RetentionDecision.Verdict> verdicts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            verdicts.add(new RetentionDecision.Verdict(oldestFirst.get(i), keep[i], reasons.get(i)));
        }
        return new RetentionDecision(verdicts, warnings);
    }

    private static List<RetentionCandidate> sortedUnique(List<RetentionCandidate> candidates) {
        Map<String, RetentionCandidate> byName = new HashMap<>();
        for (RetentionCandidate c : candidates) {
            Objects.requireNonNull(c, "candidate");
            RetentionCandidate earlier = byName.putIfAbsent(c.name(), c);
            if (earlier != null) {
                throw new RetentionException.DuplicateCandidate(c.name(), earlier.created(), c.created());
            }
        }
        List<RetentionCandidate> sorted = new ArrayList<>(candidates);
        sorted.sort(CHRONOLOGICAL);
        return sorted;
    }

    /**
     * Proxmox's {@code mark_selections}, once per rule. Each unheld snapshot ends up in one of
     * three states: undecided, kept (by the first rule that selected it), or passed over (a rule
     * found a newer snapshot in the same period and kept that one instead). Held snapshots are
     * left out altogether, as Proxmox leaves out protected ones: they neither use up a rule's
     * count nor cover a period.
     */
    private static void applyKeepRules(List<RetentionCandidate> oldestFirst, RetentionPolicy policy,
                                       ZoneId zone, boolean[] keep, List<List<RetentionReason>> reasons) {
        int n = oldestFirst.size();
        LocalDateTime[] local = new LocalDateTime[n];
        for (int i = 0; i < n; i++) {
            local[i] = LocalDateTime.ofInstant(oldestFirst.get(i).created(), zone);
        }
        boolean[] passedOver = new boolean[n];

        for (RetentionRule rule : RetentionRule.values()) {
            int count = policy.keep(rule);
            if (count == 0) {
                continue;
            }
            // A period that holds a snapshot an earlier rule kept is already covered: this rule
            // skips it and does not count it. The newest kept snapshot in it is reported as the
            // one that covers it.
            Map<String, Integer> covered = new HashMap<>();
            for (int i = n - 1; i >= 0; i--) {
                if (keep[i] && !oldestFirst.get(i).held()) {
                    covered.putIfAbsent(period(rule, oldestFirst.get(i), local[i]), i);
                }
            }
            covered.forEach((period, i) -> reasons.get(i).add(new RetentionReason.RuleMatch(rule, period, false)));

            Set<String> selected = new HashSet<>();
            for (int i = n - 1; i >= 0; i--) {
                RetentionCandidate c = oldestFirst.get(i);
                // Held snapshots are already kept, so this also leaves them out.
                if (keep[i] || passedOver[i]) {
                    continue;
                }
                String period = period(rule, c, local[i]);
                if (covered.containsKey(period)) {
                    continue;
                }
                if (selected.contains(period)) {
                    // A newer snapshot already stands for this period. Like Proxmox, later
                    // rules do not reconsider this one (see package documentation).
                    passedOver[i] = true;
                    continue;
                }
                if (selected.size() == count) {
                    break;
                }
                selected.add(period);
                keep[i] = true;
                String shown = rule == RetentionRule.LAST ? Integer.toString(selected.size()) : period;
                reasons.get(i).add(new RetentionReason.RuleMatch(rule, shown, true));
            }
        }
    }

    /** Keep-last's periods are the snapshots themselves; names are unique, times may not be. */
    private static String period(RetentionRule rule, RetentionCandidate c, LocalDateTime local) {
        return rule == RetentionRule.LAST ? c.name() : rule.period(local);
    }

    /**
     * Enforces the depth limit after the keep rules. The oldest kept unheld snapshots go first:
     * recent points in time are the ones most often reverted to, and the limit is a cap on
     * chain depth, not a preference among rules.
     */
    private static List<RetentionWarning> consolidate(List<RetentionCandidate> oldestFirst, int maxDepth,
                                                      boolean[] keep, List<List<RetentionReason>> reasons) {
        if (maxDepth == 0) {
            return List.of();
        }
        int kept = 0;
        List<String> held = new ArrayList<>();
        for (int i = 0; i < keep.length; i++) {
            if (keep[i]) {
                kept++;
            }
            if (oldestFirst.get(i).held()) {
                held.add(oldestFirst.get(i).name());
            }
        }
        for (int i = 0; i < keep.length && kept > maxDepth; i++) {
            if (keep[i] && !oldestFirst.get(i).held()) {
                keep[i] = false;
                reasons.get(i).add(new RetentionReason.MaxDepth(maxDepth));
                kept--;
            }
        }
        return held.size() > maxDepth
                ? List.of(new RetentionWarning.HeldExceedMaxDepth(held, maxDepth))
                : List.of();
    }
}
