package dev.virtchain.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeartbeatTest {

    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {
        private Instant now = Instant.parse("2025-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    @Test
    void aPulseSilentBeyondItsLimitIsStalled() {
        ManualClock clock = new ManualClock();
        Heartbeat heartbeat = new Heartbeat(clock);
        Heartbeat.Pulse acceptor = heartbeat.register("acceptor", Duration.ofSeconds(30));
        Heartbeat.Pulse executor = heartbeat.register("executor", Duration.ofMinutes(5));
        clock.advance(Duration.ofSeconds(30));
        assertTrue(heartbeat.healthy(), "exactly at the limit is still fine");
        clock.advance(Duration.ofMillis(1));
        assertEquals(List.of("acceptor (silent 30001 ms, limit 30000 ms)"), heartbeat.stalled());
        acceptor.beat();
        assertTrue(heartbeat.healthy());
        clock.advance(Duration.ofMinutes(5));
        executor.close();
        assertEquals(List.of("acceptor (silent 300000 ms, limit 30000 ms)"), heartbeat.stalled());
    }

    @Test
    void aLimitMustBePositive() {
        Heartbeat heartbeat = new Heartbeat(Clock.systemUTC());
        assertEquals("maxSilence for x was PT0S, must be positive",
                assertThrows(IllegalArgumentException.class, () -> heartbeat.register("x", Duration.ZERO)).getMessage());
    }
}
