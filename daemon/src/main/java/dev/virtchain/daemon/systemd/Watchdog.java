package dev.virtchain.daemon.systemd;

import dev.virtchain.daemon.Heartbeat;
import dev.virtchain.libvirt.DaemonThreads;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends {@code WATCHDOG=1} every half of systemd's watchdog timeout (the interval sd_watchdog_enabled(3)
 * recommends), but only while the {@link Heartbeat} is healthy. When a loop stalls, the
 * keep-alives stop and systemd restarts the daemon: a restart runs recovery, which is better
 * than a daemon that answers {@code ping} while a merge hangs for ever.
 */
public final class Watchdog implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Watchdog.class);

    private final Notifier notifier;
    private final Heartbeat heartbeat;
    private final Duration interval;
    private final ScheduledExecutorService timer;
    private volatile boolean stalled;

    /** @param timeout systemd's watchdog timeout ({@code WATCHDOG_USEC}) */
    public Watchdog(Notifier notifier, Heartbeat heartbeat, Duration timeout) {
        this.notifier = Objects.requireNonNull(notifier, "notifier");
        this.heartbeat = Objects.requireNonNull(heartbeat, "heartbeat");
        this.interval = timeout.dividedBy(2);
        if (interval.isZero()) {
            throw new IllegalArgumentException("watchdog timeout " + timeout + " is too short");
        }
        this.timer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("systemd-watchdog"));
    }

    public void start() {
        timer.scheduleAtFixedRate(this::tick, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
        log.info("systemd watchdog: keep-alive every {} ms while healthy", interval.toMillis());
    }

    private void tick() {
        try {
            List<String> late = heartbeat.stalled();
            if (late.isEmpty()) {
                if (stalled) {
                    log.info("daemon loops are turning again; resuming watchdog keep-alives");
                    stalled = false;
                }
                notifier.watchdog();
            } else if (!stalled) {
                stalled = true;
                log.error("stalled: {}; withholding watchdog keep-alives so that systemd restarts the daemon",
                        String.join(", ", late));
            }
        } catch (RuntimeException e) {
            // An exception would cancel the periodic task, which then looks exactly like a stall.
            log.error("watchdog tick failed", e);
        }
    }

    public Duration interval() {
        return interval;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
