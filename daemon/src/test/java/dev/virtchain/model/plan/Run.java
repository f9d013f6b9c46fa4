package dev.virtchain.model.plan;

import dev.virtchain.daemon.exec.SimExecution;

/** Runs a chain-model {@link Fixture}'s intents with the daemon's executor on its simulator. */
final class Run {
    private Run() {
    }

    /** Runs {@code intent} and adopts the ledger and state it leaves. */
    static Plan apply(Fixture f, Intent intent) {
        SimExecution.Executed done = SimExecution.run(f.sim, f.ledger, f.state == DomainState.RUNNING, intent, f.clock,
                f.caps, SimExecution.StepWatcher.NONE);
        f.ledger = done.ledger();
        f.state = done.running() ? DomainState.RUNNING : DomainState.SHUT_OFF;
        return done.plan();
    }
}
