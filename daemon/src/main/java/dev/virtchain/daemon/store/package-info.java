/**
 * Durable files in the state directory. {@link dev.virtchain.daemon.store.AtomicFile} replaces
 * a file so that after a crash at any instant the reader finds either the old contents or the
 * new, never a mix, and can keep the file it replaces as the previous generation; the ledger store
 * and the schedule records are written through it.
 * {@link dev.virtchain.daemon.store.StateLock} keeps a second daemon out of the directory, and
 * {@link dev.virtchain.daemon.store.TrustedDirectory} refuses a directory that someone other
 * than root could change.
 */
package dev.virtchain.daemon.store;
