/**
 * virtchaind, the daemon: {@link dev.virtchain.daemon.Virtchaind} wires the parts together
 * and runs them until SIGTERM. This package also holds the small seams the rest of the daemon
 * shares: the {@link dev.virtchain.daemon.Lifecycle} phase, {@link dev.virtchain.daemon.Recovery}
 * (run before the daemon reports ready), the {@link dev.virtchain.daemon.Heartbeat} the systemd
 * watchdog trusts, {@link dev.virtchain.daemon.LogScope} for per-domain log context, and the
 * test-only {@link dev.virtchain.daemon.CrashPoints}.
 */
package dev.virtchain.daemon;
