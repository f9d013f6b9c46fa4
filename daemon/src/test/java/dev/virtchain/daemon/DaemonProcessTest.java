package dev.virtchain.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtchain.daemon.testclient.TinyClient;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * virtchaind's main as a real child process: a temporary socket and state directory, a
 * NOTIFY_SOCKET the test listens on (as systemd would), SIGTERM to stop it.
 */
@Timeout(120)
class DaemonProcessTest {

    private static final String PING = "{\"v\":1,\"id\":\"p\",\"command\":\"ping\"}";

    @TempDir
    Path dir;

    private Path socket;
    private Path stateDir;
    private Path config;
    private dev.virtchain.daemon.systemd.NotifyListener notify;
    private ChildJvm daemon;

    @BeforeEach
    void setUp() throws Exception {
        socket = dir.resolve("run/v.sock");
        stateDir = dir.resolve("state");
        config = dir.resolve("virtchaind.conf");
        Files.writeString(config, """
                [daemon]
                socket-group = vctest-no-such-group
                [policy everything]
                match = *
                schedule = @daily
                keep-daily = 7
                """);
        notify = new dev.virtchain.daemon.systemd.NotifyListener(dir.resolve("notify"));
    }

    @AfterEach
    void tearDown() throws Exception {
        if (daemon != null && daemon.process.isAlive()) {
            daemon.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        notify.close();
    }

    private ChildJvm startDaemon(Map<String, String> extraEnv) throws Exception {
        Map<String, String> env = new java.util.HashMap<>(Map.of(
                "NOTIFY_SOCKET", notify.path().toString(),
                "WATCHDOG_USEC", "400000"));
        env.putAll(extraEnv);
        return ChildJvm.start(Virtchaind.class, List.of("--config", config.toString(), "--socket", socket.toString(),
                "--state-dir", stateDir.toString()), env, dir.resolve("daemon-" + System.nanoTime() + ".log"));
    }

    @Test
    void startsAnswersNotifiesAndStopsCleanlyOnSigterm() throws Exception {
        daemon = startDaemon(Map.of());
        await(() -> notify.received().contains("READY=1"), Duration.ofSeconds(60), "READY=1");
        List<String> early = notify.received();
        assertEquals("STATUS=starting", early.get(0), early.toString());
        assertTrue(early.indexOf("STATUS=recovering interrupted operations") < early.indexOf("READY=1"), early.toString());

        JsonNode pong = parse(TinyClient.exchange(socket, PING).get(0));
        assertTrue(pong.at("/data/pong").asBoolean(), pong.toString());
        JsonNode status = parse(TinyClient.exchange(socket, "{\"v\":1,\"id\":\"s\",\"command\":\"status\"}").get(0));
        assertEquals("ready", status.at("/data/phase").asText());
        assertEquals(daemon.process.pid(), status.at("/data/pid").asLong());
        assertEquals(stateDir.toString(), status.at("/data/stateDir").asText());
        assertEquals(0, status.at("/data/recovery/completed").asInt(), status.toString());
        assertTrue(status.at("/data/policies").isArray() && status.at("/data/jobs").isArray(), status.toString());
        // Traversable (QEMU's user reaches blockcopy targets in <state>/copies), never listable; the
        // ledgers and exports stay private.
        assertEquals("rwx--x--x", PosixFilePermissions.toString(Files.getPosixFilePermissions(stateDir)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(stateDir.resolve("ledgers"))));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(stateDir.resolve("exports"))));
        assertEquals("rwx--x--x", PosixFilePermissions.toString(Files.getPosixFilePermissions(stateDir.resolve("copies"))));

        // Keep-alives every 200 ms (half of WATCHDOG_USEC) while healthy.
        int readyAt = notify.received().indexOf("READY=1");
        await(() -> notify.received().subList(readyAt, notify.received().size()).stream()
                .filter("WATCHDOG=1"::equals).count() >= 3, Duration.ofSeconds(10), "WATCHDOG=1 keep-alives");

        daemon.process.destroy(); // SIGTERM
        assertTrue(daemon.process.waitFor(30, TimeUnit.SECONDS));
        assertEquals(143, daemon.process.exitValue(), daemon.output());
        await(() -> notify.received().contains("STOPPING=1"), Duration.ofSeconds(5), "STOPPING=1");
        assertFalse(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "socket removed on stop");
        String log = daemon.output();
        assertTrue(log.contains("virtchaind stopped"), log);
        assertFalse(log.contains("ERROR"), log);
    }

    @Test
    void aCrashBeforeReadyLeavesAStaleSocketThatTheNextStartReplaces() throws Exception {
        daemon = startDaemon(Map.of(CrashPoints.ENVIRONMENT_VARIABLE, "before-ready"));
        assertTrue(daemon.process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(CrashPoints.HALT_STATUS, daemon.process.exitValue(), daemon.output());
        assertFalse(notify.received().contains("READY=1"));
        assertFalse(notify.received().contains("STOPPING=1"), "a crash runs no shutdown code");
        assertTrue(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "kill -9 leaves the socket file");

        daemon = startDaemon(Map.of());
        await(() -> notify.received().contains("READY=1"), Duration.ofSeconds(60), "READY=1 after restart");
        assertTrue(parse(TinyClient.exchange(socket, PING).get(0)).at("/data/pong").asBoolean());
        assertTrue(daemon.output().contains("removed stale control socket " + socket), daemon.output());
        daemon.process.destroy();
        assertTrue(daemon.process.waitFor(30, TimeUnit.SECONDS));
    }

    @Test
    void aBadConfigurationExitsWithStatus2AndNamesTheLine() throws Exception {
        Files.writeString(config, "[daemon]\nmax-block-jobs = many\n");
        daemon = startDaemon(Map.of());
        assertTrue(daemon.process.waitFor(30, TimeUnit.SECONDS));
        assertEquals(2, daemon.process.exitValue());
        assertEquals("virtchaind: " + config + ":2: max-block-jobs: expected a whole number, got 'many'\n",
                daemon.output());
        assertTrue(notify.received().isEmpty());
    }

    private static JsonNode parse(String line) throws Exception {
        return new ObjectMapper().readTree(line);
    }

    private static void await(BooleanSupplier condition, Duration limit, String what) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " not seen within " + limit);
            }
            Thread.sleep(20);
        }
    }
}
