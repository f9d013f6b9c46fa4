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
        return ChildJvm.start(Main.class, List.of("--config", config.toString(), "--socket", socket.toString(),
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

    @Test
    void aSecondDaemonOnTheSameStateDirectoryIsRefusedBeforeItTouchesAFile() throws Exception {
        daemon = startDaemon(Map.of());
        await(() -> notify.received().contains("READY=1"), Duration.ofSeconds(60), "READY=1");
        // What a save in flight and a finished save look like: the second daemon must touch neither.
        Path ledgers = stateDir.resolve("ledgers");
        Path inFlight = ledgers.resolve(".5f0c1a9e-2b1d-4c1e-9a33-0e1f2a3b4c5d.xml.4242.tmp");
        Files.writeString(inFlight, "<virtchain-ledger schema=\"1\"><led");
        Path lock = stateDir.resolve("lock");
        assertEquals(daemon.process.pid() + "\n", Files.readString(lock));
        Map<Path, String> before = snapshotOf(stateDir);

        Path otherSocket = dir.resolve("run2/v.sock");
        ChildJvm second = ChildJvm.start(Main.class, List.of("--config", config.toString(), "--socket",
                otherSocket.toString(), "--state-dir", stateDir.toString()), Map.of(), dir.resolve("second.log"));
        try {
            assertTrue(second.process.waitFor(60, TimeUnit.SECONDS), "the second daemon must exit");
            assertEquals(Virtchaind.EXIT_STATE_REFUSED, second.process.exitValue(), second.output());
            assertEquals(2, second.process.exitValue());
            assertTrue(second.output().contains("is in use by another virtchaind (pid " + daemon.process.pid() + ", lock "
                    + lock + ")"), second.output());
        } finally {
            second.process.destroyForcibly();
        }
        // The first daemon goes on writing its own files (schedule records, ledgers); none is gone.
        Map<Path, String> after = snapshotOf(stateDir);
        assertTrue(after.keySet().containsAll(before.keySet()), "nothing deleted: " + before + " -> " + after);
        assertEquals(before.get(inFlight), after.get(inFlight), "the in-flight temporary ledger survives as it was");
        assertEquals(before.get(lock), after.get(lock), "the lock file is not rewritten");
        assertEquals("<virtchain-ledger schema=\"1\"><led", Files.readString(inFlight));
        assertEquals(daemon.process.pid() + "\n", Files.readString(lock));
        assertFalse(Files.exists(otherSocket.getParent()), "the refused daemon made no socket");
        assertTrue(parse(TinyClient.exchange(socket, PING).get(0)).at("/data/pong").asBoolean(),
                "the first daemon still serves");

        daemon.process.destroy();
        assertTrue(daemon.process.waitFor(30, TimeUnit.SECONDS));
        // Released with the process: the next daemon takes the directory over (and, being its
        // only user now, discards the stale temporary file).
        daemon = startDaemon(Map.of());
        await(() -> notify.received().stream().filter("READY=1"::equals).count() >= 2, Duration.ofSeconds(60),
                "READY=1 after the first daemon stopped");
        assertEquals(daemon.process.pid() + "\n", Files.readString(lock));
        assertFalse(Files.exists(inFlight));
    }

    @Test
    void aStateDirectoryOthersCanWriteOrALinkedOneIsRefusedWithWhatToFix() throws Exception {
        Files.createDirectories(stateDir);
        Files.setPosixFilePermissions(stateDir, PosixFilePermissions.fromString("rwxrwxrwx"));
        daemon = startDaemon(Map.of());
        assertTrue(daemon.process.waitFor(30, TimeUnit.SECONDS));
        assertEquals(2, daemon.process.exitValue(), daemon.output());
        assertTrue(daemon.output().contains("the state directory " + stateDir + " is writable by its group and others"
                + " (mode 0777)") && daemon.output().contains("chmod go-w " + stateDir), daemon.output());
        assertFalse(Files.exists(stateDir.resolve("lock")), "nothing is created in a refused directory");
        assertFalse(Files.exists(stateDir.resolve("ledgers")));

        Path real = dir.resolve("real-state");
        Files.createDirectory(real);
        Files.delete(stateDir);
        Files.createSymbolicLink(stateDir, real);
        daemon = startDaemon(Map.of());
        assertTrue(daemon.process.waitFor(30, TimeUnit.SECONDS));
        assertEquals(2, daemon.process.exitValue(), daemon.output());
        assertTrue(daemon.output().contains("the state directory " + stateDir + " is a symbolic link"), daemon.output());
        try (var inside = Files.list(real)) {
            assertEquals(0, inside.count(), "nothing is created through the link");
        }
    }

    /** Every file under {@code root} with its size and modification time. */
    private static Map<Path, String> snapshotOf(Path root) throws Exception {
        Map<Path, String> out = new java.util.TreeMap<>();
        try (var files = Files.walk(root)) {
            for (Path p : files.toList()) {
                out.put(p, Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "dir"
                        : Files.size(p) + " " + Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis());
            }
        }
        return out;
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
