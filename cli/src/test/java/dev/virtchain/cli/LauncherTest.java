package dev.virtchain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/virtchain} itself, run as a process, as a user would. */
class LauncherTest {
    @TempDir
    Path directory;

    private ScriptedDaemon daemon;

    record Result(int status, String out, String err) {
    }

    @AfterEach
    void stopDaemon() throws IOException {
        if (daemon != null) {
            daemon.close();
            daemon.check();
        }
    }

    private static Path launcher() {
        return Fixtures.repository().resolve("bin/virtchain");
    }

    private Result launch(List<String> prefix, Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(prefix);
        command.add(launcher().toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile());
        builder.environment().remove(Main.SOCKET_VARIABLE);
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().putAll(env);
        Path out = directory.resolve("out");
        Path err = directory.resolve("err");
        builder.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process process = builder.start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "bin/virtchain did not finish");
        return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void printsStatusFromTheDaemon() throws Exception {
        Path socket = directory.resolve("virtchain.sock");
        daemon = ScriptedDaemon.answering(socket, Fixtures.replyData("status"));
        Result result = launch(List.of(), Map.of(Main.SOCKET_VARIABLE, socket.toString(), "TZ", "Europe/Berlin"),
                "status");
        assertEquals("", result.err());
        assertEquals(0, result.status());
        Fixtures.assertGolden("status", result.out());
    }

    @Test
    void exitStatusesReachTheShell() throws Exception {
        Path socket = directory.resolve("virtchain.sock");
        daemon = ScriptedDaemon.start(socket, (request, peer) -> peer.error("UNKNOWN_DOMAIN", "no domain web9"));
        Map<String, String> env = Map.of(Main.SOCKET_VARIABLE, socket.toString());
        assertEquals(1, launch(List.of(), env, "snapshot-list", "web9").status());
        assertEquals(2, launch(List.of(), env, "snapshot-list").status());
        assertEquals(3, launch(List.of(), Map.of(Main.SOCKET_VARIABLE, directory.resolve("none").toString()),
                "status").status());
        Result help = launch(List.of(), env, "--help");
        assertEquals(0, help.status());
        assertEquals(Manual.overview(), help.out());
    }

    @Test
    void anInterruptedClientSaysTheDaemonCarriesOn() throws Exception {
        Path socket = directory.resolve("virtchain.sock");
        java.util.concurrent.CountDownLatch hold = new java.util.concurrent.CountDownLatch(1);
        daemon = ScriptedDaemon.start(socket, (request, peer) -> {
            peer.progress("commit vda", 1, 4);
            hold.await(60, TimeUnit.SECONDS);
        });
        ProcessBuilder builder = new ProcessBuilder(launcher().toString(), "snapshot-delete", "web1", "a")
                .directory(directory.toFile());
        builder.environment().put(Main.SOCKET_VARIABLE, socket.toString());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Path err = directory.resolve("err");
        builder.redirectError(err.toFile()).redirectOutput(directory.resolve("out").toFile());
        Process process = builder.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.readString(err).contains("commit vda") && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            process.destroy(); // SIGTERM runs the shutdown hooks as Ctrl-C's SIGINT does
            assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        } finally {
            hold.countDown();
        }
        assertEquals("commit vda: 25% 1 B/4 B\nvirtchain: interrupted; virtchaind carries on with the operation: "
                + "see 'virtchain job-list', or stop it with 'virtchain job-abort'\n", Files.readString(err));
    }

    /**
     * A socket the user may not open. Tests usually run as root, which may open anything, so
     * then the launcher runs as nobody (setpriv); otherwise the socket is made unreadable.
     */
    @Test
    void permissionDeniedSaysWhichGroupToJoin() throws Exception {
        Path socket = directory.resolve("virtchain.sock");
        daemon = ScriptedDaemon.answering(socket, Map.of());
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> prefix = List.of();
        if (isRoot()) {
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
            prefix = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--");
        } else {
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("---------"));
        }
        // nobody may not write the test directory: send output through a file it can write.
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxrwxrwx"));
        Result result = launch(prefix, Map.of(Main.SOCKET_VARIABLE, socket.toString(), "HOME", directory.toString()),
                "status");
        assertEquals(3, result.status(), result.err());
        assertEquals("error: cannot reach virtchaind at " + socket + ": permission denied: add yourself to group "
                + "virtchain (usermod -aG virtchain $USER, then log in again) or run as root\n", result.err());
        assertTrue(daemon.requests().isEmpty());
    }

    private static boolean isRoot() throws Exception {
        Process id = new ProcessBuilder("id", "-u").start();
        String uid = new String(id.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        id.waitFor();
        return uid.equals("0");
    }
}
