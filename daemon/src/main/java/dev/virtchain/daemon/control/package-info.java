/**
 * The control socket: a Unix stream socket speaking newline-delimited JSON (one request, then
 * progress lines and one final result or error; see docs/protocol.md). Here are the transport
 * ({@link dev.virtchain.daemon.control.ControlSocket}), who may connect
 * ({@link dev.virtchain.daemon.control.PeerAccess}), and the seam where commands plug in:
 * {@link dev.virtchain.daemon.control.Commands} maps a command name to a
 * {@link dev.virtchain.daemon.control.CommandHandler}, which reads
 * {@link dev.virtchain.daemon.control.CommandArgs}, reports through a
 * {@link dev.virtchain.daemon.ProgressSink}, and fails with a
 * {@link dev.virtchain.daemon.control.CommandFailure}.
 */
package dev.virtchain.daemon.control;
