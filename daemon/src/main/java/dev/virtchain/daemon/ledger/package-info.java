/**
 * The durable ledger: one file per domain holding its {@link dev.virtchain.model.Ledger} as of
 * the last completed step and the {@link dev.virtchain.daemon.ledger.OperationRecord} of any
 * operation in progress. The executor writes the record before each step (write-ahead), so after a
 * crash recovery knows exactly which step may have been under way. Format (header, CRC32C, XML):
 * {@link dev.virtchain.daemon.ledger.LedgerCodec}; durability and the previous generation kept
 * beside each file: {@link dev.virtchain.daemon.ledger.LedgerStore}; compare-and-set saves:
 * {@link dev.virtchain.daemon.ledger.LedgerBook}; the read-only {@code --check-state} tool:
 * {@link dev.virtchain.daemon.ledger.StateCheck}.
 */
package dev.virtchain.daemon.ledger;
