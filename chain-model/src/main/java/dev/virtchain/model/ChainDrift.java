package dev.virtchain.model;

import java.util.List;

/** The chain libvirt reports for a disk is not the one the ledger expects. */
public final class ChainDrift extends ChainException {
    private static final long serialVersionUID = 1L;

    private final List<String> expected;
    private final List<String> observed;

    public ChainDrift(String domain, String disk, List<String> expected, List<String> observed) {
        super("disk " + disk + " of domain " + domain + ": the ledger expects the chain " + expected
                + " (active first) but libvirt shows " + observed
                + "; something changed the chain behind virtchain's back, run 'virtchain adopt "
                + domain + "' to reconcile before planning", domain, disk, null,
                observed.isEmpty() ? null : observed.get(0));
        this.expected = List.copyOf(expected);
        this.observed = List.copyOf(observed);
    }

    public List<String> expected() {
        return expected;
    }

    public List<String> observed() {
        return observed;
    }
}
