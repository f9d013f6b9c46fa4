/**
 * Talking to systemd as a {@code Type=notify} service: {@code READY=1} when recovery is done,
 * {@code STATUS=} lines for {@code systemctl status}, {@code STOPPING=1} on SIGTERM, and
 * {@code WATCHDOG=1} keep-alives while the daemon's {@link dev.virtchain.daemon.Heartbeat} is
 * healthy. JDK 17 has no Unix datagram sockets, so {@link dev.virtchain.daemon.systemd.SystemdNotifier}
 * calls {@code sd_notify} in libsystemd through JNA.
 */
package dev.virtchain.daemon.systemd;
