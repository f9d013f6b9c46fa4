package dev.virtchain.model;

import java.util.List;

/** A ledger that breaks the rules of {@link Ledger#check()}; lists every broken rule. */
public final class InvariantViolation extends ChainException {
    private static final long serialVersionUID = 1L;

    private final List<String> violations;

    InvariantViolation(String domain, List<String> violations) {
        super("ledger of domain " + domain + " is inconsistent: " + String.join("; ", violations)
                + "; do not apply it, reconcile the ledger with the chains libvirt reports",
                domain, null, null, null);
        this.violations = List.copyOf(violations);
    }

    public List<String> violations() {
        return violations;
    }
}
