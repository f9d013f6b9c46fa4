package dev.virtchain.daemon.ledger;

/**
 * A ledger change made from a generation that is no longer the newest: another writer saved the
 * domain's ledger in between. Writing it would silently undo that other change, so nothing is
 * written; two writers racing on one ledger is a fault to report, and the command can be retried.
 */
public final class StaleLedger extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String domain;
    private final String uuid;
    private final long readVersion;
    private final long currentVersion;

    /**
     * @param readVersion    the generation the change was made from (0: a new ledger)
     * @param currentVersion the book's generation now (0: it has no ledger for the domain)
     */
    public StaleLedger(String domain, String uuid, long readVersion, long currentVersion) {
        super("the ledger of domain " + domain + " (" + uuid + ") changed while this change was being made: "
                + (readVersion == 0 ? "it was new" : "it was read at generation " + readVersion) + ", and "
                + (currentVersion == 0 ? "it is no longer managed (retired or never saved)"
                        : "generation " + currentVersion + " is current now")
                + "; nothing was written, so the other change stands. Two writers raced on one ledger, which is a"
                + " fault to report; run the command again");
        this.domain = domain;
        this.uuid = uuid;
        this.readVersion = readVersion;
        this.currentVersion = currentVersion;
    }

    public String domain() {
        return domain;
    }

    public String uuid() {
        return uuid;
    }

    public long readVersion() {
        return readVersion;
    }

    public long currentVersion() {
        return currentVersion;
    }
}
