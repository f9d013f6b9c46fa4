package dev.virtchain.daemon.commands;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtchain.testing.TestLibvirt;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * virtchaind started the way an operator starts it ({@code bin/virtchaind}, from the build
 * output that {@code package} made) on a temporary socket and state directory, against the real
 * libvirtd under test ({@link TestLibvirt#uri()}); and {@code bin/virtchain}, the real CLI, to
 * talk to it. {@link #close} ends the daemon it started (SIGTERM, then SIGKILL) and nothing else.
 */
final class RealDaemon implements AutoCloseable {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What one {@code virtchain} run printed and how it exited. */
    record Run(int status, String out, String err) {
        JsonNode json() {
            try {
                return JSON.readTree(out);
            } catch (IOException e) {
                throw new AssertionError("not JSON (exit " + status + "): " + out + "\nstderr: " + err, e);
            }
        }

        @Override
        public String toString() {
            return "exit " + status + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    private final Path dir;
    private final Path socket;
    private final Path log;
    private final Process process;

    private RealDaemon(Path dir, Path socket, Path log, Process process) {
        this.dir = dir;
        this.socket = socket;
        this.log = log;
        this.process = process;
    }

    /** Starts virtchaind with {@code extraConfig} appended to its configuration and waits until it answers. */
    static RealDaemon start(Path dir, String extraConfig) throws Exception {
        Path socket = dir.resolve("run/virtchain.sock");
        Path state = dir.resolve("state");
        // QEMU's user reaches blockcopy targets in <state>/copies: every directory above must be
        // traversable, as /var/lib is for the default state directory (JUnit makes 0700 ones).
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        Path config = dir.resolve("virtchaind.conf");
        Files.writeString(config, """
                [daemon]
                socket-group = vctest-no-such-group
                min-free-space = 0
                metrics-listen = none
                """ + extraConfig);
        Path log = dir.resolve("virtchaind.log");
        // --connect: the libvirtd under test, which is not always the host's qemu:///system.
        Process p = new ProcessBuilder(List.of(ROOT.resolve("bin/virtchaind").toString(), "--config", config.toString(),
                "--socket", socket.toString(), "--state-dir", state.toString(), "--connect", TestLibvirt.uri()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        RealDaemon d = new RealDaemon(dir, socket, log, p);
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                fail("virtchaind exited with " + p.exitValue() + ":\n" + d.log());
            }
            if (Files.exists(socket)) {
                Run status = d.cli("--json", "status");
                // Ready, and every domain checked against its ledger: tests read ledger files too.
                if (status.status() == 0 && "ready".equals(status.json().path("phase").textValue())
                        && status.json().path("startCheck").path("unchecked").asInt() == 0) {
                    return d;
                }
            }
            Thread.sleep(200);
        }
        d.close();
        throw new AssertionError("virtchaind did not become ready within 90 s:\n" + d.log());
    }

    Path socket() {
        return socket;
    }

    /** Where export writes by default ({@code <state-dir>/exports}). */
    Path exports() {
        return dir.resolve("state/exports");
    }

    /** Where blockcopy writes by default ({@code <state-dir>/copies}). */
    Path copies() {
        return dir.resolve("state/copies");
    }

    /** Runs the CLI, requires exit 0, and returns its JSON (pass {@code --json}). */
    JsonNode ok(String... args) throws Exception {
        Run r = cli(args);
        org.junit.jupiter.api.Assertions.assertEquals(0, r.status(), r.toString());
        return r.json();
    }

    /** The names of the domain's snapshots a policy took, oldest first. */
    List<String> policySnapshots(String domain) throws Exception {
        List<String> out = new ArrayList<>();
        for (JsonNode s : ok("--json", "snapshot-list", domain).path("snapshots")) {
            if ("policy".equals(s.path("origin").textValue())) {
                out.add(s.path("name").textValue());
            }
        }
        return out;
    }

    /** Runs the CLI, requires exit 1 with error {@code code}, and returns the error's JSON. */
    JsonNode error(String code, String... args) throws Exception {
        Run r = cli(args);
        org.junit.jupiter.api.Assertions.assertEquals(1, r.status(), r.toString());
        org.junit.jupiter.api.Assertions.assertEquals(code, r.json().path("code").textValue(), r.toString());
        return r.json();
    }

    /** Runs {@code bin/virtchain --socket SOCKET ARGS...} and waits for it. */
    Run cli(String... args) throws Exception {
        return cliAt(socket, args);
    }

    static Run cliAt(Path socket, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(ROOT.resolve("bin/virtchain").toString(), "--socket",
                socket.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().remove("VIRTCHAIN_SOCKET");
        Path out = Files.createTempFile("virtchain-out", ".txt");
        Path err = Files.createTempFile("virtchain-err", ".txt");
        try {
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                fail("virtchain " + args + " did not end");
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Sends a raw request line, for arguments the CLI would refuse before sending. */
    List<JsonNode> raw(String command, Map<String, Object> args) throws Exception {
        String line = JSON.writeValueAsString(Map.of("v", 1, "id", "t1", "command", command, "args", args));
        List<JsonNode> out = new ArrayList<>();
        for (String l : dev.virtchain.daemon.testclient.TinyClient.exchange(socket, line)) {
            out.add(JSON.readTree(l));
        }
        return out;
    }

    /** Waits for the daemon to end by itself (a crash point halts it) and returns its exit status. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            fail("virtchaind did not exit within " + timeout + ":\n" + log());
        }
        return process.exitValue();
    }

    /**
     * Kills the daemon with SIGKILL, as an operator's {@code kill -9} or the OOM killer would: no
     * shutdown hook, no last write. Returns its exit status (137).
     */
    int kill() throws InterruptedException {
        process.destroyForcibly(); // SIGKILL on Linux
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            fail("virtchaind did not die of SIGKILL within 30 s");
        }
        return process.exitValue();
    }

    /** The ledger file of the domain with {@code uuid}, in this daemon's state directory. */
    Path ledgerFile(String uuid) {
        return dir.resolve("state/ledgers").resolve(uuid + ".xml");
    }

    String log() {
        try {
            return Files.exists(log) ? Files.readString(log) : "(no log)";
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        assertTrue(!process.isAlive(), "virtchaind still runs");
    }
}
