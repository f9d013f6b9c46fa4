package dev.virtchain.daemon.exec;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Running counts of what the operation runner did since the daemon started, for the metrics:
 * operations by kind and result, bytes merges were planned to copy and bytes their block jobs
 * reported copying, and snapshots that asked for quiescing and got a crash-consistent point
 * in time. Keys are few (kinds, results and merge kinds are fixed words; domains only for the
 * fallbacks), so the maps stay small.
 */
public final class OperationTally {

    /** How an operation ended. */
    public enum Result {
        SUCCEEDED("succeeded"),
        /** Refused before it changed anything: busy, no space, not managed… */
        REFUSED("refused"),
        /** A step failed; the operation was rolled back or left for recovery. */
        FAILED("failed");

        private final String label;

        Result(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** An operation kind and how it ended. */
    public record Outcome(String kind, Result result) {}

    private final Map<Outcome, LongAdder> operations = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> plannedMergeBytes = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> copiedMergeBytes = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> quiesceFallbacks = new ConcurrentHashMap<>();

    public void operation(String kind, Result result) {
        operations.computeIfAbsent(new Outcome(kind, result), k -> new LongAdder()).increment();
    }

    /** @param mergeKind {@code commit}, {@code active-commit}, {@code pull}, {@code offline-commit}, {@code offline-rebase} */
    public void planned(String mergeKind, long bytes) {
        plannedMergeBytes.computeIfAbsent(mergeKind, k -> new LongAdder()).add(Math.max(0, bytes));
    }

    public void copied(String mergeKind, long bytes) {
        copiedMergeBytes.computeIfAbsent(mergeKind, k -> new LongAdder()).add(Math.max(0, bytes));
    }

    public void quiesceFellBack(String domain) {
        quiesceFallbacks.computeIfAbsent(domain, k -> new LongAdder()).increment();
    }

    public Map<Outcome, Long> operations() {
        return copy(operations);
    }

    public Map<String, Long> plannedMergeBytes() {
        return copy(plannedMergeBytes);
    }

    public Map<String, Long> copiedMergeBytes() {
        return copy(copiedMergeBytes);
    }

    /** Domain to snapshots that asked for quiescing ({@code auto}) and were taken crash-consistent. */
    public Map<String, Long> quiesceFallbacks() {
        return copy(quiesceFallbacks);
    }

    private static <K> Map<K, Long> copy(Map<K, LongAdder> m) {
        Map<K, Long> out = new java.util.HashMap<>();
        m.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    @Override
    public String toString() {
        return "OperationTally" + new TreeMap<>(copy(plannedMergeBytes));
    }
}
