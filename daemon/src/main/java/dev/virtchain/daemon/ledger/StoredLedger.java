package dev.virtchain.daemon.ledger;

import dev.virtchain.model.Ledger;
import java.util.Objects;
import java.util.Optional;

/** One domain's ledger file: the ledger as of the last completed step, and any operation in progress. */
public record StoredLedger(Ledger ledger, Optional<OperationRecord> operation) {
    public StoredLedger {
        Objects.requireNonNull(ledger, "ledger");
        Objects.requireNonNull(operation, "operation");
    }

    public static StoredLedger idle(Ledger ledger) {
        return new StoredLedger(ledger, Optional.empty());
    }

    public StoredLedger with(OperationRecord op) {
        return new StoredLedger(ledger, Optional.of(op));
    }

    public StoredLedger with(Ledger newLedger) {
        return new StoredLedger(newLedger, operation);
    }

    public StoredLedger idle() {
        return new StoredLedger(ledger, Optional.empty());
    }

    public String uuid() {
        return ledger.domain().uuid();
    }
}
