package dev.virtchain.daemon.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtchain.daemon.Heartbeat;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class WatchdogTest {

    /** Records what would have gone to systemd. */
    static final class RecordingNotifier implements Notifier {
        final List<String> sent = new CopyOnWriteArrayList<>();

        @Override
        public void send(String state) {
            sent.add(state);
        }

        long count(String state) {
            return sent.stream().filter(state::equals).count();
        }
    }

    @Test
    void keepAlivesStopWhileALoopStallsAndResumeWhenItTurnsAgain() throws Exception {
        RecordingNotifier notifier = new RecordingNotifier();
        Heartbeat heartbeat = new Heartbeat(Clock.systemUTC());
        Heartbeat.Pulse executor = heartbeat.register("executor", Duration.ofMillis(300));
        try (Watchdog watchdog = new Watchdog(notifier, heartbeat, Duration.ofMillis(100))) {
            assertEquals(Duration.ofMillis(50), watchdog.interval());
            watchdog.start();
            for (int i = 0; i < 6; i++) {
                executor.beat();
                Thread.sleep(100);
            }
            long healthy = notifier.count("WATCHDOG=1");
            assertTrue(healthy >= 6, "keep-alives while beating: " + healthy);

            Thread.sleep(400); // silent past its 300 ms
            assertFalse(heartbeat.healthy());
            long atStall = notifier.count("WATCHDOG=1");
            Thread.sleep(300);
            assertEquals(atStall, notifier.count("WATCHDOG=1"), "no keep-alives while stalled");

            executor.beat();
            Thread.sleep(200);
            assertTrue(notifier.count("WATCHDOG=1") > atStall, "keep-alives resume");
        }
    }

    @Test
    void aClosedPulseNoLongerCounts() {
        Heartbeat heartbeat = new Heartbeat(Clock.systemUTC());
        Heartbeat.Pulse idle = heartbeat.register("idle executor", Duration.ofNanos(1));
        idle.close();
        assertTrue(heartbeat.healthy());
    }

    @Test
    void theWatchdogTimeoutIsReadFromTheEnvironment() {
        assertEquals(Optional.of(Duration.ofSeconds(30)),
                SystemdNotifier.watchdogTimeout(Map.of("WATCHDOG_USEC", "30000000"), 42));
        assertEquals(Optional.of(Duration.ofSeconds(30)),
                SystemdNotifier.watchdogTimeout(Map.of("WATCHDOG_USEC", "30000000", "WATCHDOG_PID", "42"), 42));
        assertEquals(Optional.empty(),
                SystemdNotifier.watchdogTimeout(Map.of("WATCHDOG_USEC", "30000000", "WATCHDOG_PID", "41"), 42),
                "meant for another process");
        assertEquals(Optional.empty(), SystemdNotifier.watchdogTimeout(Map.of(), 42));
        assertEquals(Optional.empty(), SystemdNotifier.watchdogTimeout(Map.of("WATCHDOG_USEC", "soon"), 42));
    }

    @Test
    void withoutNotifySocketNothingIsSent() {
        SystemdNotifier n = SystemdNotifier.fromEnvironment(Map.of("WATCHDOG_USEC", "1000000"), 1);
        assertFalse(n.enabled());
        assertEquals(Optional.empty(), n.watchdogTimeout());
        n.ready(); // a no-op, not an error
    }
}
