/**
 * Durable files in the state directory. {@link dev.virtchain.daemon.store.AtomicFile} replaces
 * a file so that after a crash at any instant the reader finds either the old contents or the
 * new, never a mix; the ledger store and the schedule records are written through it.
 */
package dev.virtchain.daemon.store;
