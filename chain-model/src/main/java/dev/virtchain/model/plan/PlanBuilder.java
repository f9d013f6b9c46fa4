package dev.virtchain.model.plan;

import dev.virtchain.model.Ledger;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Accumulates steps, the ledger as it will be after them, and the totals. */
final class PlanBuilder {
    private final Ledger before;
    private Ledger ledger;
    private boolean dirty;
    private final List<Step> steps = new ArrayList<>();
    private final Map<String, Long> bytesByDirectory = new HashMap<>();
    private final List<String> unlinks = new ArrayList<>();
    private final List<String> released = new ArrayList<>();
    private long total;

    PlanBuilder(Ledger before) {
        this.before = before;
        this.ledger = before;
    }

    Ledger ledger() {
        return ledger;
    }

    void ledger(Ledger next) {
        dirty |= next != ledger;
        ledger = next;
    }

    void add(Step step) {
        steps.add(step);
        total += step.estimatedBytes();
        if (step.directory() != null) {
            bytesByDirectory.merge(step.directory(), step.estimatedBytes(), Long::sum);
        }
    }

    /** Records the ledger as it is now, if it was replaced since the last record. */
    void persistLedger() {
        if (dirty) {
            add(new Step.UpdateLedger(ledger));
            dirty = false;
        }
    }

    void unlink(String disk, String path) {
        add(new Step.Unlink(disk, path));
        unlinks.add(path);
    }

    void release(String path) {
        released.add(path);
    }

    Plan build(Intent intent) {
        persistLedger();
        ledger.requireValid();
        return new Plan(intent, steps, before, ledger, total, bytesByDirectory, unlinks, released);
    }
}
