package dev.virtchain.daemon.ledger;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The ledgers of every managed domain, in memory and on disk: every change is saved through
 * {@link LedgerStore} before the in-memory copy moves, so what the daemon answers is never ahead
 * of what a crash would leave.
 */
public final class LedgerBook {
    private final LedgerStore store;
    private final Map<String, StoredLedger> byUuid = new HashMap<>();

    public LedgerBook(LedgerStore store, List<StoredLedger> loaded) {
        this.store = store;
        loaded.forEach(l -> byUuid.put(l.uuid(), l));
    }

    public synchronized Optional<StoredLedger> byName(String domain) {
        return byUuid.values().stream().filter(l -> l.ledger().domainName().equals(domain)).findFirst();
    }

    public synchronized Optional<StoredLedger> byUuid(String uuid) {
        return Optional.ofNullable(byUuid.get(uuid));
    }

    public synchronized List<StoredLedger> all() {
        List<StoredLedger> out = new ArrayList<>(byUuid.values());
        out.sort((a, b) -> a.ledger().domainName().compareTo(b.ledger().domainName()));
        return out;
    }

    /** Writes the ledger durably, then makes it the current one. */
    public synchronized void save(StoredLedger stored) {
        store.save(stored);
        byUuid.put(stored.uuid(), stored);
    }

    /** The domain is gone from this host: keep its ledger aside, stop managing it. */
    public synchronized void retire(String uuid) {
        store.retire(uuid);
        byUuid.remove(uuid);
    }
}
