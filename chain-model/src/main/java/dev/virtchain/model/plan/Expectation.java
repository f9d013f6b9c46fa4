package dev.virtchain.model.plan;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the live truth shows once a step has happened: whole active chains of some disks, the
 * backing of some images, files that are gone. An empty expectation means the step leaves no
 * trace in chains (a ledger update, an offline commit whose follow-up rebase is the evidence) and
 * is safe to repeat.
 */
public record Expectation(Map<String, List<String>> chains, Map<String, String> backings, Set<String> absent) {

    public static final Expectation NONE = new Expectation(Map.of(), Map.of(), Set.of());

    public Expectation {
        chains = Map.copyOf(chains);
        backings = Map.copyOf(backings);
        absent = Set.copyOf(absent);
    }

    public static Expectation chain(String disk, List<String> chain) {
        return new Expectation(Map.of(disk, List.copyOf(chain)), Map.of(), Set.of());
    }

    public static Expectation backing(String image, String backing) {
        return new Expectation(Map.of(), Map.of(image, backing == null ? ObservedChains.NO_BACKING : backing), Set.of());
    }

    public static Expectation absent(String path) {
        return new Expectation(Map.of(), Map.of(), Set.of(path));
    }

    public boolean isObservable() {
        return !(chains.isEmpty() && backings.isEmpty() && absent.isEmpty());
    }

    /** True when everything expected is observed; false when anything is unknown or different. */
    public boolean matches(ObservedChains observed) {
        if (!isObservable()) {
            return false;
        }
        for (Map.Entry<String, List<String>> e : chains.entrySet()) {
            if (!e.getValue().equals(observed.chains().get(e.getKey()))) {
                return false;
            }
        }
        for (Map.Entry<String, String> e : backings.entrySet()) {
            if (!e.getValue().equals(observed.backings().get(e.getKey()))) {
                return false;
            }
        }
        return observed.absent().containsAll(absent);
    }
}
