package dev.virtchain.daemon.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.daemon.CrashPoints;
import dev.virtchain.testing.TestLibvirt;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * virtchaind as a real child process, started with {@code bin/virtchaind} from the build, the way
 * an operator runs it: its own state directory, socket and configuration under one test-owned
 * home directory, connected to the libvirtd under test ({@link TestLibvirt#uri()}). A test can
 * arm a crash point, wait for the daemon to die with status 137, and start it again on the same
 * state.
 *
 * <p>Each start writes its output to {@code <home>/daemon-N.log}; a failure message quotes the
 * end of it. The daemon is stopped by its own pid only ({@link #stop()} sends SIGTERM,
 * {@link #kill()} SIGKILL).
 */
final class DaemonProcess implements AutoCloseable {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Path LAUNCHER = ROOT.resolve("bin/virtchaind");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger REQUESTS = new AtomicInteger();

    private final Path home;
    private final Process process;
    private final Path log;

    private DaemonProcess(Path home, Process process, Path log) {
        this.home = home;
        this.process = process;
        this.log = log;
    }

    /** Where this daemon keeps its ledgers: {@code <home>/state}. */
    static Path stateDir(Path home) {
        return home.resolve("state");
    }

    static Path socket(Path home) {
        return home.resolve("ctl.sock");
    }

    /**
     * Starts the daemon on {@code home} with {@code config} (the text of its configuration file)
     * and, when present, a crash point armed through {@value CrashPoints#ENVIRONMENT_VARIABLE}.
     */
    static DaemonProcess start(Path home, String config, Optional<String> crashAt) {
        return start(home, config, crashAt, TestLibvirt.uri());
    }

    /** As {@link #start(Path, String, Optional)}, connected to {@code connect} instead of the libvirtd under test. */
    static DaemonProcess start(Path home, String config, Optional<String> crashAt, String connect) {
        try {
            Files.createDirectories(home);
            Path conf = home.resolve("virtchaind.conf");
            Files.writeString(conf, metricsOffUnlessSet(config));
            int n = 1;
            while (Files.exists(home.resolve("daemon-" + n + ".log"))) {
                n++;
            }
            Path log = home.resolve("daemon-" + n + ".log");
            // --connect: the libvirtd under test, which is not always the host's qemu:///system.
            ProcessBuilder pb = new ProcessBuilder(List.of(LAUNCHER.toString(), "--config", conf.toString(),
                    "--state-dir", stateDir(home).toString(), "--socket", socket(home).toString(),
                    "--connect", connect))
                    .redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().remove(CrashPoints.ENVIRONMENT_VARIABLE);
            pb.environment().remove("NOTIFY_SOCKET");
            pb.environment().remove("WATCHDOG_USEC");
            crashAt.ifPresent(c -> pb.environment().put(CrashPoints.ENVIRONMENT_VARIABLE, c));
            // Tests start the daemon dozens of times on two cores: C1 alone halves the time to ready.
            pb.environment().put("VIRTCHAIND_JAVA_OPTS", "-XX:TieredStopAtLevel=1");
            return new DaemonProcess(home, pb.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + LAUNCHER, e);
        }
    }

    /**
     * Integration tests run one after another and beside other checkouts' tests on the same
     * machine: the metrics endpoint stays off unless a test sets {@code metrics-listen} (to a
     * port it picked), so no two daemons fight over the default port.
     */
    static String metricsOffUnlessSet(String config) {
        if (config.contains("metrics-listen")) {
            return config;
        }
        if (config.contains("[daemon]\n")) {
            return config.replaceFirst("\\[daemon]\n", "[daemon]\nmetrics-listen = none\n");
        }
        return "[daemon]\nmetrics-listen = none\n\n" + config;
    }

    /** Starts the daemon and waits until it answers {@code status} with phase {@code ready}. */
    static DaemonProcess startReady(Path home, String config) {
        DaemonProcess d = start(home, config, Optional.empty());
        try {
            d.awaitReady(Duration.ofSeconds(90));
        } catch (RuntimeException | AssertionError e) {
            d.close();
            throw e;
        }
        return d;
    }

    long pid() {
        return process.pid();
    }

    Path home() {
        return home;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Polls {@code status} until the phase is {@code ready} and every domain is checked against its
     * ledger; fails if the process exits first.
     */
    void awaitReady(Duration timeout) {
        awaitReady(timeout, true);
    }

    /**
     * Polls {@code status} until the phase is {@code ready}, and with {@code checked} until every
     * domain is checked against its ledger too; fails if the process exits first.
     */
    void awaitReady(Duration timeout, boolean checked) {
        Instant deadline = Instant.now().plus(timeout);
        String last = "no answer yet";
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new AssertionError("virtchaind exited with status " + process.exitValue()
                        + " before it was ready; its log ends:\n" + tail());
            }
            if (Files.exists(socket(home))) {
                try {
                    JsonNode status = call("status", JSON.createObjectNode());
                    last = "phase " + status.path("phase").asText();
                    // Ready serves commands; these tests also read ledger files themselves, so they
                    // wait until every domain has been checked against its ledger too.
                    if (status.path("phase").asText().equals("ready")
                            && (!checked || status.path("startCheck").path("unchecked").asInt() == 0)) {
                        return;
                    }
                } catch (IOException | Refusal e) {
                    last = e.toString();
                }
            }
            sleep(100);
        }
        throw new AssertionError("virtchaind was not ready within " + timeout + " (" + last + "); its log ends:\n"
                + tail());
    }

    /** Waits for the process to end by itself and returns its exit status. */
    int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("virtchaind (pid " + pid() + ") still runs after " + timeout
                        + "; its log ends:\n" + tail());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        return process.exitValue();
    }

    /** SIGTERM, as systemd stops it; waits for the exit and returns the status. */
    int stop() {
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
                throw new AssertionError("virtchaind did not stop within 60 s of SIGTERM; its log ends:\n" + tail());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return process.exitValue();
    }

    /** SIGKILL. */
    void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }

    /** The last lines of this start's output, for failure messages. */
    String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // --- the control protocol ----------------------------------------------------------------------

    /** An {@code error} line: the daemon understood the request and said no (or failed). */
    static final class Refusal extends Exception {
        final String code;
        final JsonNode error;

        Refusal(JsonNode error) {
            super(error.path("code").asText() + ": " + error.path("message").asText());
            this.code = error.path("code").asText();
            this.error = error;
        }
    }

    /** Sends one request and returns the result's {@code data}; progress lines are skipped. */
    JsonNode call(String command, ObjectNode args) throws IOException, Refusal {
        return call(socket(home), command, args);
    }

    /** As {@link #call(String, ObjectNode)}, failing the test on an error or a broken connection. */
    JsonNode require(String command, ObjectNode args) {
        try {
            return call(command, args);
        } catch (Refusal e) {
            throw new AssertionError(command + " " + args + " was refused: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new AssertionError(command + " " + args + ": connection failed: " + e + "; the daemon's log ends:\n"
                    + tail(), e);
        }
    }

    static JsonNode call(Path socket, String command, ObjectNode args) throws IOException, Refusal {
        ObjectNode request = JSON.createObjectNode();
        request.put("v", 1);
        request.put("id", "it-" + REQUESTS.incrementAndGet());
        request.put("command", command);
        request.set("args", args);
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer out = ByteBuffer.wrap((JSON.writeValueAsString(request) + "\n").getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) {
                channel.write(out);
            }
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel),
                    StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null; ) {
                JsonNode reply = JSON.readTree(line);
                switch (reply.path("type").asText()) {
                    case "result" -> {
                        return reply.path("data");
                    }
                    case "error" -> throw new Refusal(reply);
                    default -> {
                        // progress
                    }
                }
            }
            throw new IOException("the daemon closed the connection before its final line (" + command + ")");
        }
    }

    static ObjectNode args() {
        return JSON.createObjectNode();
    }

    static ObjectMapper json() {
        return JSON;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Runs a host tool with an argument list; returns stdout, fails with its stderr. */
    static String run(List<String> command) {
        try {
            Process p = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(false)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            var err = new java.util.concurrent.CompletableFuture<String>();
            Thread t = new Thread(() -> {
                try {
                    err.complete(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    err.complete(e.toString());
                }
            });
            t.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + command);
            }
            t.join();
            if (p.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " exited with " + p.exitValue() + ": "
                        + err.join().strip() + out.strip());
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
