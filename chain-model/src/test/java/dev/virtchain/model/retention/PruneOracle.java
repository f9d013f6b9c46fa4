package dev.virtchain.model.retention;

import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.WeekFields;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * A second, deliberately plain statement of the keep rules, to check {@link Retention} against.
 * Where {@code Retention} walks snapshot by snapshot as Proxmox does, this works period by
 * period, and builds period keys with different java.time APIs: per rule, group the undecided
 * unheld snapshots by period, drop the periods already holding a kept snapshot, and in the N
 * periods with the newest snapshots keep the newest and pass over the rest.
 *
 * <p>The two agree whenever periods never go backwards in time, which holds for every zone
 * whose DST changes stay within an hour (all zones the tests use). Ignores {@code maxDepth}.
 */
final class PruneOracle {

    private PruneOracle() {
    }

    static Set<String> keptNames(List<RetentionCandidate> candidates, RetentionPolicy policy, ZoneId zone) {
        Set<String> kept = new TreeSet<>();
        candidates.stream().filter(RetentionCandidate::held).forEach(c -> kept.add(c.name()));
        if (policy.keepsEverything()) {
            candidates.forEach(c -> kept.add(c.name()));
            return kept;
        }
        List<RetentionCandidate> newestFirst = new ArrayList<>(candidates.stream().filter(c -> !c.held()).toList());
        newestFirst.sort(Comparator.comparing(RetentionCandidate::created)
                .thenComparing(RetentionCandidate::name).reversed());

        Set<RetentionCandidate> keptByRules = new HashSet<>();
        Set<RetentionCandidate> decided = new HashSet<>();
        int[] counts = {policy.keepLast(), policy.keepHourly(), policy.keepDaily(), policy.keepWeekly(),
                policy.keepMonthly(), policy.keepYearly()};
        List<Function<RetentionCandidate, Object>> keys = List.of(
                RetentionCandidate::name,
                c -> format(c, zone, "uuuu-MM-dd HH"),
                c -> format(c, zone, "uuuu-MM-dd"),
                c -> {
                    ZonedDateTime t = c.created().atZone(zone);
                    return List.of(t.get(WeekFields.ISO.weekBasedYear()), t.get(WeekFields.ISO.weekOfWeekBasedYear()));
                },
                c -> format(c, zone, "uuuu-MM"),
                c -> c.created().atZone(zone).getYear());

        for (int r = 0; r < counts.length; r++) {
            if (counts[r] == 0) {
                continue;
            }
            Function<RetentionCandidate, Object> key = keys.get(r);
            Set<Object> covered = new HashSet<>();
            keptByRules.forEach(c -> covered.add(key.apply(c)));
            Map<Object, List<RetentionCandidate>> periods = new LinkedHashMap<>();
            for (RetentionCandidate c : newestFirst) {
                if (!decided.contains(c) && !covered.contains(key.apply(c))) {
                    periods.computeIfAbsent(key.apply(c), k -> new ArrayList<>()).add(c);
                }
            }
            periods.values().stream().limit(counts[r]).forEach(inPeriod -> {
                keptByRules.add(inPeriod.get(0));
                decided.addAll(inPeriod);
            });
        }
        keptByRules.forEach(c -> kept.add(c.name()));
        return kept;
    }

    private static String format(RetentionCandidate c, ZoneId zone, String pattern) {
        return DateTimeFormatter.ofPattern(pattern).format(c.created().atZone(zone));
    }
}
