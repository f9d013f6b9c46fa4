package dev.virtchain.model;

import java.util.Collection;

/** A disk target that the domain's ledger does not know. */
public final class UnknownDisk extends ChainException {
    private static final long serialVersionUID = 1L;

    public UnknownDisk(String domain, String disk, Collection<String> known) {
        super("domain " + domain + " has no disk " + Names.quote(disk) + "; its disks are " + known,
                domain, disk, null, null);
    }
}
