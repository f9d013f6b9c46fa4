package dev.virtchain.bench.live;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.virtchain.daemon.systemd.NotifyListener;

/**
 * A virtchaind started from the build output ({@code bin/virtchaind}) with its own socket and
 * state directory, and the CLI ({@code bin/virtchain}) pointed at it. {@link #close()} stops it
 * with SIGTERM (SIGKILL after 20 s).
 */
public final class Virtchaind implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path root;
    private final Path socket;
    private final Process process;
    private final long startedNanos;
    private final Instant startedAt;
    private final Path log;
    /** Where the daemon's sd_notify messages arrive, as systemd's socket would receive them. */
    private final NotifyListener notify;

    private Virtchaind(Path root, Path socket, Process process, long startedNanos, Instant startedAt, Path log,
                       NotifyListener notify) {
        this.root = root;
        this.socket = socket;
        this.process = process;
        this.startedNanos = startedNanos;
        this.startedAt = startedAt;
        this.log = log;
        this.notify = notify;
    }

    /**
     * Starts a daemon; returns at once (see {@link #awaitReady}).
     *
     * @param root     the source tree with bin/ and the build output
     * @param dir      a directory of the caller's for the socket, state and log
     * @param connect  libvirt URI
     */
    public static Virtchaind start(Path root, Path dir, String connect) {
        return start(root, dir, connect, 0);
    }

    /**
     * As {@link #start(Path, Path, String)}, with the metrics endpoint on {@code 127.0.0.1:metricsPort};
     * 0 keeps it off, so that daemons of one run never compete for the default port.
     */
    public static Virtchaind start(Path root, Path dir, String connect, int metricsPort) {
        Path socket = dir.resolve("virtchain.sock");
        Path state = dir.resolve("state");
        Path config = dir.resolve("virtchaind.conf");
        List<String> argv = new ArrayList<>(List.of(root.resolve("bin/virtchaind").toString(),
                "--socket", socket.toString(), "--state-dir", state.toString(), "--connect", connect,
                "--config", config.toString()));
        Path log = dir.resolve("virtchaind.log");
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile());
        NotifyListener notify;
        try {
            Files.createDirectories(dir);
            notify = new NotifyListener(dir.resolve("notify"));
            pb.environment().put("NOTIFY_SOCKET", notify.path().toString());
            pb.environment().remove("WATCHDOG_USEC");
            Files.writeString(config, "[daemon]\nmetrics-listen = "
                    + (metricsPort == 0 ? "none" : "127.0.0.1:" + metricsPort) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make " + dir, e);
        }
        Instant at = Instant.now();
        long t0 = System.nanoTime();
        try {
            Process process = Children.started(pb.start());
            return new Virtchaind(root, socket, process, t0, at, log, notify);
        } catch (IOException e) {
            notify.close();
            throw new UncheckedIOException("cannot start " + argv.get(0), e);
        }
    }

    /** Times from start, in nanoseconds: the socket first accepting, and the phase turning "ready". */
    public record Readiness(long socketNanos, long readyNanos) {
    }

    /**
     * Waits until the daemon has sent READY=1, as systemd would see it: the time its datagram
     * reached this benchmark's notify socket. Until the control socket first answers, it is
     * polled every {@code pollMillis} (that time is the socket's); after that it is left alone: a
     * {@code status} poll during recovery takes CPU from the start, and its answer, coming late,
     * would make ready look later than it is.
     */
    public Readiness awaitReady(long timeoutMillis, long pollMillis) throws InterruptedException {
        long deadline = startedNanos + timeoutMillis * 1_000_000;
        long socketAt = -1;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("virtchaind exited with " + process.exitValue()
                        + " before it was ready; see its log");
            }
            if (socketAt < 0 && tryRequest("status") != null) {
                socketAt = System.nanoTime() - startedNanos;
            }
            var ready = notify.firstArrival("READY=1");
            if (ready.isPresent() && socketAt >= 0) {
                return new Readiness(socketAt, ready.getAsLong() - startedNanos);
            }
            Thread.sleep(socketAt < 0 ? pollMillis : 1);
        }
        throw new IllegalStateException("virtchaind was not ready within " + timeoutMillis + " ms");
    }

    /**
     * Polls {@code status} until the start-up check of every domain has ended; seconds from exec.
     * Until then the daemon is ready, and checks a domain first when a command asks about it.
     */
    public double awaitChecked(long timeoutMillis, long pollMillis) throws InterruptedException {
        long deadline = startedNanos + timeoutMillis * 1_000_000;
        while (System.nanoTime() < deadline) {
            if (uncheckedDomains() == 0) {
                return (System.nanoTime() - startedNanos) / 1e9;
            }
            Thread.sleep(pollMillis);
        }
        throw new IllegalStateException("virtchaind had not checked every domain within " + timeoutMillis + " ms");
    }

    /** Domains whose start-up check has not ended, from {@code status}; -1 when it does not answer. */
    public int uncheckedDomains() {
        JsonNode status = tryRequest("status");
        return status == null ? -1 : status.path("data").path("startCheck").path("unchecked").asInt(-1);
    }

    /** One request on the socket; the final line, or null if the socket does not answer yet. */
    JsonNode tryRequest(String command) {
        return tryRequest(command, JSON.createObjectNode());
    }

    /**
     * One request straight on the socket, without the CLI: the result's data and the time from
     * connecting to the final line, which is the daemon's part of a command.
     *
     * @throws IllegalStateException when the daemon does not answer or answers with an error
     */
    public CliResult request(String command, ObjectNode args) {
        long t0 = System.nanoTime();
        JsonNode reply = tryRequest(command, args);
        long took = System.nanoTime() - t0;
        if (reply == null || !"result".equals(reply.path("type").asText())) {
            throw new IllegalStateException(command + " " + args + " was not done: " + reply);
        }
        return new CliResult(reply.path("data"), took);
    }

    private JsonNode tryRequest(String command, ObjectNode args) {
        if (!Files.exists(socket)) {
            return null;
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            OutputStream out = Channels.newOutputStream(ch);
            var request = JSON.createObjectNode();
            request.put("v", 1);
            request.put("id", Long.toHexString(System.nanoTime()));
            request.put("command", command);
            request.set("args", args);
            out.write((JSON.writeValueAsString(request) + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch),
                    StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                JsonNode reply = JSON.readTree(line);
                if (!"progress".equals(reply.path("type").asText())) {
                    return reply;
                }
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    /** {@code bin/virtchain --socket S --json ARGS}: its data, and the wall time of the whole run. */
    public record CliResult(JsonNode data, long nanos) {
        public double millis() {
            return nanos / 1e6;
        }
    }

    public CliResult cli(String... args) {
        List<String> argv = cliArgv(args);
        Command c = Command.run(argv);
        try {
            return new CliResult(JSON.readTree(c.out()), c.nanos());
        } catch (IOException e) {
            throw new IllegalStateException(String.join(" ", argv) + " printed no JSON: " + c.out(), e);
        }
    }

    /** The CLI command line for {@code args}, with this daemon's socket and {@code --json}. */
    public List<String> cliArgv(String... args) {
        List<String> argv = new ArrayList<>(List.of(root.resolve("bin/virtchain").toString(),
                "--socket", socket.toString(), "--json"));
        argv.addAll(List.of(args));
        return argv;
    }

    /**
     * Seconds from exec to the first log line containing {@code text} (the log's timestamps are
     * milliseconds, UTC); -1 if there is none.
     */
    public double secondsToLogLine(String text) {
        try {
            for (String line : Files.readAllLines(log)) {
                if (line.contains(text) && line.length() > 24 && line.charAt(23) == 'Z') {
                    Instant t = Instant.parse(line.substring(0, 24));
                    return Duration.between(startedAt, t).toNanos() / 1e9;
                }
            }
        } catch (IOException | DateTimeParseException e) {
            return -1;
        }
        return -1;
    }

    /**
     * Seconds from {@code since} to the first log line at or after it (to the log's millisecond)
     * that contains every one of {@code texts}; -1 if there is none. The log's wording is the
     * daemon's, not a contract: a benchmark uses this for a breakdown, never for a verdict.
     */
    public double secondsToLogLine(Instant since, String... texts) {
        Instant from = since.truncatedTo(ChronoUnit.MILLIS);
        try {
            for (String line : Files.readAllLines(log)) {
                if (line.length() <= 24 || line.charAt(23) != 'Z') {
                    continue;
                }
                Instant t = Instant.parse(line.substring(0, 24));
                if (t.isBefore(from)) {
                    continue;
                }
                boolean all = true;
                for (String text : texts) {
                    all &= line.contains(text);
                }
                if (all) {
                    return Duration.between(since, t).toNanos() / 1e9;
                }
            }
        } catch (IOException | DateTimeParseException e) {
            return -1;
        }
        return -1;
    }

    public Path socket() {
        return socket;
    }

    public long pid() {
        return process.pid();
    }

    public long rss() {
        return ProcFiles.rss(process.pid());
    }

    public long peakRss() {
        return ProcFiles.peakRss(process.pid());
    }

    @Override
    public void close() {
        try {
            stop();
        } finally {
            notify.close();
        }
    }

    private void stop() {
        Children.ended(process);
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
