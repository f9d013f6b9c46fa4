package dev.virtchain.model.plan;

import dev.virtchain.model.Ledger;

import java.util.Objects;

/**
 * Everything the planner looks at besides the intent.
 *
 * @param ledger   the domain's ledger
 * @param observed the chains libvirt shows now
 * @param facts    allocation measurements (only delete, flatten and export read them)
 * @param state    running or shut off
 */
public record Situation(Ledger ledger, ObservedChains observed, AllocationFacts facts, DomainState state) {
    public Situation {
        Objects.requireNonNull(ledger, "ledger");
        Objects.requireNonNull(observed, "observed");
        Objects.requireNonNull(facts, "facts");
        Objects.requireNonNull(state, "state");
    }

    public boolean running() {
        return state == DomainState.RUNNING;
    }
}
