/**
 * The durable ledger: one file per domain holding its {@link dev.virtchain.model.Ledger} as of
 * the last completed step and the {@link dev.virtchain.daemon.ledger.OperationRecord} of any
 * operation in progress. The executor writes the record before each step (write-ahead), so after a
 * crash recovery knows exactly which step may have been under way. Format: {@link
 * dev.virtchain.daemon.ledger.LedgerCodec}; durability: {@link dev.virtchain.daemon.ledger.LedgerStore}.
 */
package dev.virtchain.daemon.ledger;
