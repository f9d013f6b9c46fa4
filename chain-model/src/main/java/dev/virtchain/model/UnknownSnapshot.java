package dev.virtchain.model;

/** A snapshot name that the domain's ledger does not know. */
public final class UnknownSnapshot extends ChainException {
    private static final long serialVersionUID = 1L;

    public UnknownSnapshot(String domain, String snapshot) {
        super("domain " + domain + " has no snapshot " + Names.quote(snapshot)
                + "; list the snapshots with 'virtchain snapshot-list " + domain + "'",
                domain, null, snapshot, null);
    }
}
