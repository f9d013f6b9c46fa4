package dev.virtchain.daemon.exec;

import dev.virtchain.libvirt.xml.DomainDescription;
import dev.virtchain.model.plan.DomainState;
import dev.virtchain.model.plan.ObservedChains;

/** The live truth of one domain at one moment: its description, its disks' chains and its state. */
public record Observation(DomainDescription description, ObservedChains chains, DomainState state) {
    public boolean running() {
        return state == DomainState.RUNNING;
    }

    /** True when {@code path} is in the chain of any disk. */
    public boolean inAnyChain(String path) {
        return chains.chains().values().stream().anyMatch(c -> c.contains(path));
    }
}
