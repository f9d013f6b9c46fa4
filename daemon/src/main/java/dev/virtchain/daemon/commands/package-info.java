/**
 * The control protocol's commands. Each is a {@link dev.virtchain.daemon.control.CommandHandler}
 * registered with {@link dev.virtchain.daemon.control.Commands} by
 * {@link dev.virtchain.daemon.Virtchaind}: here {@code ping} and {@code status}; the snapshot
 * commands join them once the ledger store and executor exist.
 */
package dev.virtchain.daemon.commands;
