package dev.virtchain.daemon.ledger;

import dev.virtchain.model.Ledger;
import java.util.Objects;
import java.util.Optional;

/**
 * One domain's ledger file: the ledger as of the last completed step, and any operation in progress.
 *
 * <p>{@code version} is the generation of the file this was read from, or, for a value made from
 * one with {@code with(...)}, the generation it was made from: {@link LedgerBook#save} writes it
 * only while that is still the book's current generation, so a change made from a stale read fails
 * instead of undoing the change that came between. A ledger never saved has version 0.
 *
 * @param version the generation read (0: never saved)
 */
public record StoredLedger(Ledger ledger, Optional<OperationRecord> operation, long version) {
    public StoredLedger {
        Objects.requireNonNull(ledger, "ledger");
        Objects.requireNonNull(operation, "operation");
        if (version < 0) {
            throw new IllegalArgumentException("the ledger of " + ledger.domainName() + " cannot have version "
                    + version);
        }
    }

    /** A ledger never saved, with no operation: what adoption makes. */
    public static StoredLedger idle(Ledger ledger) {
        return new StoredLedger(ledger, Optional.empty(), 0);
    }

    public StoredLedger with(OperationRecord op) {
        return new StoredLedger(ledger, Optional.of(op), version);
    }

    public StoredLedger with(Ledger newLedger) {
        return new StoredLedger(newLedger, operation, version);
    }

    public StoredLedger idle() {
        return new StoredLedger(ledger, Optional.empty(), version);
    }

    /** The same contents as generation {@code generation}: what the store returns once it wrote them. */
    public StoredLedger atVersion(long generation) {
        return new StoredLedger(ledger, operation, generation);
    }

    public String uuid() {
        return ledger.domain().uuid();
    }
}
