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
 *
 * <p>Saves are compare-and-set: a {@link StoredLedger} carries the generation it was read at (its
 * {@code with...} copies keep it), and {@link #save} writes it only while that is still the newest
 * generation, returning the saved value with its new generation for the writer's next change.
 * A change made from a stale read fails with {@link StaleLedger} instead of overwriting the
 * change that came between. Only the executor ({@code OperationRunner}) writes: every change
 * to a ledger is one of its operations, under the domain's disk claims.
 */
public final class LedgerBook {
    private final LedgerStore store;
    private final Map<String, StoredLedger> byUuid = new HashMap<>();
    /**
     * Domain name to UUID: every command and every domain checked at start looks its ledger up by
     * name, and a scan of 1000 ledgers each time made start-up quadratic (half a second at 1000).
     */
    private final Map<String, String> uuidByName = new HashMap<>();

    public LedgerBook(LedgerStore store, List<StoredLedger> loaded) {
        this.store = store;
        loaded.forEach(this::put);
    }

    public synchronized Optional<StoredLedger> byName(String domain) {
        String uuid = uuidByName.get(domain);
        return uuid == null ? Optional.empty() : Optional.ofNullable(byUuid.get(uuid));
    }

    private void put(StoredLedger l) {
        StoredLedger before = byUuid.put(l.uuid(), l);
        if (before != null && !before.ledger().domainName().equals(l.ledger().domainName())) {
            forgetName(before.ledger().domainName(), before.uuid()); // renamed
        }
        uuidByName.put(l.ledger().domainName(), l.uuid());
    }

    /** Drops {@code name}'s entry if it points at {@code uuid}; another ledger of that name then takes it. */
    private void forgetName(String name, String uuid) {
        if (uuid.equals(uuidByName.get(name))) {
            uuidByName.remove(name);
            byUuid.values().stream().filter(o -> o.ledger().domainName().equals(name)).findFirst()
                    .ifPresent(o -> uuidByName.put(name, o.uuid()));
        }
    }

    public synchronized Optional<StoredLedger> byUuid(String uuid) {
        return Optional.ofNullable(byUuid.get(uuid));
    }

    public synchronized List<StoredLedger> all() {
        List<StoredLedger> out = new ArrayList<>(byUuid.values());
        out.sort((a, b) -> a.ledger().domainName().compareTo(b.ledger().domainName()));
        return out;
    }

    /**
     * Writes {@code next} durably as the generation after the one it was read at, then makes it the
     * current one.
     *
     * @param next made from the newest generation (version 0 for a domain the book has no ledger for)
     * @return what was saved: the same contents with the new generation, to make the next change from
     * @throws StaleLedger when the book's generation is not the one {@code next} was made from;
     *                     nothing is written
     */
    public synchronized StoredLedger save(StoredLedger next) {
        StoredLedger current = byUuid.get(next.uuid());
        long now = current == null ? 0 : current.version();
        if (next.version() != now) {
            throw new StaleLedger(next.ledger().domainName(), next.uuid(), next.version(), now);
        }
        StoredLedger saved = store.save(next);
        put(saved);
        return saved;
    }

    /** The domain is gone from this host: keep its ledger aside, stop managing it. */
    public synchronized void retire(String uuid) {
        store.retire(uuid);
        StoredLedger gone = byUuid.remove(uuid);
        if (gone != null) {
            forgetName(gone.ledger().domainName(), uuid);
        }
    }
}
