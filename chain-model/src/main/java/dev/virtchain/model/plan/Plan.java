package dev.virtchain.model.plan;

import dev.virtchain.model.Ledger;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What to do, in order, and what it leads to.
 *
 * @param intent           what was asked
 * @param steps            in order
 * @param before           the ledger planned from
 * @param after            the ledger once every step is done (equals {@code before} for exports)
 * @param estimatedBytes   sum of the steps' estimates
 * @param bytesByDirectory bytes written per directory, for the free-space check before starting
 * @param unlinks          files the plan deletes
 * @param released         images dropped from the ledger but left on disk (a base nothing of this
 *                         domain needs any more; it may be a template others share)
 */
public record Plan(Intent intent, List<Step> steps, Ledger before, Ledger after, long estimatedBytes,
                   Map<String, Long> bytesByDirectory, List<String> unlinks, List<String> released) {
    public Plan {
        steps = List.copyOf(steps);
        bytesByDirectory = Collections.unmodifiableMap(new TreeMap<>(bytesByDirectory));
        unlinks = List.copyOf(unlinks);
        released = List.copyOf(released);
    }

    public boolean isEmpty() {
        return steps.isEmpty();
    }
}
