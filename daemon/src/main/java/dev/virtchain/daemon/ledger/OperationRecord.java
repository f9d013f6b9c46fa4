package dev.virtchain.daemon.ledger;

import dev.virtchain.model.plan.Step;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * An operation in progress on a domain, written into its ledger file before anything changes.
 * Steps before {@code nextStep} are done. When {@code stepStarted} is true, step {@code nextStep}
 * may have been issued (a block job may be running, a file may exist): recovery must read the
 * truth to know. When false, it was not begun.
 *
 * @param id          the operation id every log line carries
 * @param kind        what was asked: {@code create}, {@code delete}, {@code revert}, …
 * @param description for people: "delete snapshots a, b"
 */
public record OperationRecord(String id, String kind, String description, Instant started, List<Step> steps,
                              int nextStep, boolean stepStarted) {
    public OperationRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(started, "started");
        steps = List.copyOf(steps);
        if (nextStep < 0 || nextStep > steps.size()) {
            throw new IllegalArgumentException("operation " + id + ": next step " + nextStep
                    + " is outside its " + steps.size() + " steps");
        }
    }

    public static OperationRecord begin(String id, String kind, String description, Instant started, List<Step> steps) {
        return new OperationRecord(id, kind, description, started, steps, 0, false);
    }

    public boolean finished() {
        return nextStep == steps.size();
    }

    public Step currentStep() {
        if (finished()) {
            throw new IllegalStateException("operation " + id + " has no step left");
        }
        return steps.get(nextStep);
    }

    /** Step {@code nextStep} is about to be issued. */
    public OperationRecord starting() {
        return new OperationRecord(id, kind, description, started, steps, nextStep, true);
    }

    /** Step {@code nextStep} is done. */
    public OperationRecord stepDone() {
        return new OperationRecord(id, kind, description, started, steps, nextStep + 1, false);
    }
}
