package dev.virtchain.daemon;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Whether the daemon's loops are still turning. Each loop that must not stall registers a
 * {@link Pulse} with the longest silence it may keep, and beats it as it goes round. The
 * systemd watchdog keep-alive is sent only while no pulse is overdue, so a stuck loop gets the
 * daemon restarted (and recovery run) instead of leaving a service that looks alive and does
 * nothing.
 *
 * <p>A loop that goes idle on purpose (an executor with no plan to run) closes its pulse and
 * registers a new one when work arrives.
 */
public final class Heartbeat {

    private final Clock clock;
    private final List<Pulse> pulses = new CopyOnWriteArrayList<>();

    public Heartbeat(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Starts watching a loop; its first beat is now. */
    public Pulse register(String name, Duration maxSilence) {
        if (maxSilence.isNegative() || maxSilence.isZero()) {
            throw new IllegalArgumentException("maxSilence for " + name + " was " + maxSilence + ", must be positive");
        }
        Pulse pulse = new Pulse(name, maxSilence, clock.instant());
        pulses.add(pulse);
        return pulse;
    }

    /** Names of the loops that have been silent for longer than they promised, with how long. */
    public List<String> stalled() {
        Instant now = clock.instant();
        List<String> late = new ArrayList<>();
        for (Pulse p : pulses) {
            Duration silence = Duration.between(p.last, now);
            if (silence.compareTo(p.maxSilence) > 0) {
                late.add(p.name + " (silent " + silence.toMillis() + " ms, limit " + p.maxSilence.toMillis() + " ms)");
            }
        }
        return late;
    }

    public boolean healthy() {
        return stalled().isEmpty();
    }

    /** One watched loop. */
    public final class Pulse implements AutoCloseable {
        private final String name;
        private final Duration maxSilence;
        private volatile Instant last;

        private Pulse(String name, Duration maxSilence, Instant first) {
            this.name = name;
            this.maxSilence = maxSilence;
            this.last = first;
        }

        public void beat() {
            last = clock.instant();
        }

        public String name() {
            return name;
        }

        /** Stops watching this loop. */
        @Override
        public void close() {
            pulses.remove(this);
        }
    }
}
