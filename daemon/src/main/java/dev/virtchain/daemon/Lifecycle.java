package dev.virtchain.daemon;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Where the daemon is between start and stop, and what recovery reported. The control socket
 * answers from the start; commands that change chains wait for {@link Phase#READY}.
 */
public final class Lifecycle {

    /** The daemon's phases, in order. */
    public enum Phase {
        /** Reading configuration, opening the socket. */
        STARTING,
        /** Settling operations a previous run left unfinished. */
        RECOVERING,
        /** Serving every command and running schedules. */
        READY,
        /** SIGTERM received; finishing up. */
        STOPPING
    }

    private final Clock clock;
    private final Instant startedAt;
    private final AtomicReference<Phase> phase = new AtomicReference<>(Phase.STARTING);
    private final AtomicReference<RecoverySummary> recovery = new AtomicReference<>();

    public Lifecycle(Clock clock) {
        this.clock = clock;
        this.startedAt = clock.instant();
    }

    public Phase phase() {
        return phase.get();
    }

    /** Moves forward to {@code next}; phases never go back, and STOPPING is final. */
    public void enter(Phase next) {
        phase.getAndUpdate(current -> next.compareTo(current) > 0 ? next : current);
    }

    public void recovered(RecoverySummary summary) {
        recovery.set(summary);
    }

    /** Empty until recovery has finished. */
    public Optional<RecoverySummary> recovery() {
        return Optional.ofNullable(recovery.get());
    }

    public Instant startedAt() {
        return startedAt;
    }

    public Duration uptime() {
        return Duration.between(startedAt, clock.instant());
    }
}
