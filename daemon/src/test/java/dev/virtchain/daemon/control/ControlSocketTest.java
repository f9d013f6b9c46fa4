package dev.virtchain.daemon.control;

import dev.virtchain.daemon.ProgressSink;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.daemon.Lifecycle;
import dev.virtchain.daemon.commands.PingCommand;
import dev.virtchain.daemon.testclient.TinyClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class ControlSocketTest {

    @TempDir
    Path dir;

    private ServedSocket served;

    @AfterEach
    void stop() {
        if (served != null) {
            served.close();
        }
    }

    private ServedSocket serve() throws IOException {
        served = ServedSocket.started(dir.resolve("run/ctl.sock"), ServedSocket.ABSENT_GROUP);
        served.commands.register(PingCommand.NAME, Commands.Availability.ALWAYS, new PingCommand("test"));
        return served;
    }

    @Test
    void pingRoundTrip() throws Exception {
        JsonNode r = serve().only("{\"v\":1,\"id\":\"p1\",\"command\":\"ping\"}");
        assertEquals("{\"id\":\"p1\",\"type\":\"result\",\"data\":{\"pong\":true,\"version\":\"test\"}}", r.toString());
    }

    @Test
    void unknownCommandIsNamed() throws Exception {
        JsonNode r = serve().only("{\"v\":1,\"id\":\"x\",\"command\":\"snapshot-frobnicate\",\"args\":{}}");
        assertEquals("error", r.get("type").asText());
        assertEquals("x", r.get("id").asText());
        assertEquals("UNKNOWN_COMMAND", r.get("code").asText());
        assertEquals("unknown command 'snapshot-frobnicate'; this daemon knows ping", r.get("message").asText());
    }

    @Test
    void malformedRequestsAreAnsweredNotFatal() throws Exception {
        serve();
        assertError("{\"v\":1,\"id\":", null, "INVALID_ARGUMENT", "request is not valid JSON: Unexpected end-of-input");
        assertError("not json at all", null, "INVALID_ARGUMENT", "request is not valid JSON");
        assertError("{\"v\":1,\"id\":\"a\",\"id\":\"b\",\"command\":\"ping\"}", null, "INVALID_ARGUMENT",
                "request is not valid JSON: Duplicate field 'id'");
        assertError("{\"v\":1,\"id\":\"a\",\"command\":\"ping\"} trailing", null, "INVALID_ARGUMENT",
                "request is not valid JSON");
        assertError("[1,2]", null, "INVALID_ARGUMENT", "request must be a JSON object");
        assertError("{\"id\":\"a\",\"command\":\"ping\"}", "a", "INVALID_ARGUMENT", "request needs \"v\": 1");
        assertError("{\"v\":2,\"id\":\"a\",\"command\":\"ping\"}", "a", "UNSUPPORTED_VERSION",
                "protocol version 2 is not supported; this daemon speaks version 1");
        assertError("{\"v\":1,\"command\":\"ping\"}", null, "INVALID_ARGUMENT", "request needs an \"id\"");
        assertError("{\"v\":1,\"id\":7,\"command\":\"ping\"}", null, "INVALID_ARGUMENT", "request needs an \"id\"");
        assertError("{\"v\":1,\"id\":\"a\"}", "a", "INVALID_ARGUMENT", "request needs a \"command\" string");
        assertError("{\"v\":1,\"id\":\"a\",\"command\":\"ping\",\"args\":[]}", "a", "INVALID_ARGUMENT",
                "\"args\" must be a JSON object");
        assertError("{\"v\":1,\"id\":\"a\",\"command\":\"ping\",\"args\":{\"x\":1}}", "a", "INVALID_ARGUMENT",
                "unknown argument 'x'; this command takes none");
        assertError("\u00ff\u00fe", null, "INVALID_ARGUMENT", "request is not valid JSON");
        // and the daemon still answers
        assertEquals("result", served.only("{\"v\":1,\"id\":\"ok\",\"command\":\"ping\"}").get("type").asText());
    }

    @Test
    void extraTopLevelFieldsAreIgnored() throws Exception {
        JsonNode r = serve().only("{\"v\":1,\"id\":\"p\",\"command\":\"ping\",\"client\":\"virtchain 2.0\"}");
        assertEquals("result", r.get("type").asText());
    }

    @Test
    void anOversizeRequestIsRefused() throws Exception {
        serve();
        String huge = "{\"v\":1,\"id\":\"big\",\"command\":\"ping\",\"args\":{\"pad\":\"" + "x".repeat(200_000) + "\"}}";
        JsonNode r = served.only(huge);
        assertEquals("INVALID_ARGUMENT", r.get("code").asText());
        assertTrue(r.get("id").isNull());
        assertEquals("request is larger than 65536 bytes", r.get("message").asText());
        assertEquals("result", served.only("{\"v\":1,\"id\":\"ok\",\"command\":\"ping\"}").get("type").asText());
    }

    @Test
    void progressIsStreamedBeforeTheResult() throws Exception {
        serve();
        CountDownLatch firstLineRead = new CountDownLatch(1);
        served.commands.register("copy", Commands.Availability.ALWAYS, (args, progress) -> {
            long total = args.optionalNumber("total").orElseThrow();
            progress.progress("copy", 0, total, "starting");
            try {
                // The client must have read the first line while the command is still running.
                if (!firstLineRead.await(10, TimeUnit.SECONDS)) {
                    throw new CommandFailure(ErrorCode.FAILED, "client never saw progress");
                }
            } catch (InterruptedException e) {
                throw new CommandFailure(ErrorCode.FAILED, "interrupted");
            }
            progress.progress("copy", total / 2, total, null);
            progress.progress("pivot", total, total, "pivoting");
            ObjectNode data = Json.object();
            data.put("copied", total);
            return data;
        });
        try (SocketChannel channel = TinyClient.open(served.path)) {
            TinyClient.send(channel, "{\"v\":1,\"id\":\"c1\",\"command\":\"copy\",\"args\":{\"total\":1048576}}\n");
            BufferedReader in = TinyClient.reader(channel);
            assertEquals("{\"id\":\"c1\",\"type\":\"progress\",\"phase\":\"copy\",\"done\":0,\"total\":1048576,"
                    + "\"message\":\"starting\"}", in.readLine());
            firstLineRead.countDown();
            assertEquals("{\"id\":\"c1\",\"type\":\"progress\",\"phase\":\"copy\",\"done\":524288,\"total\":1048576,"
                    + "\"message\":null}", in.readLine());
            assertEquals("{\"id\":\"c1\",\"type\":\"progress\",\"phase\":\"pivot\",\"done\":1048576,\"total\":1048576,"
                    + "\"message\":\"pivoting\"}", in.readLine());
            assertEquals("{\"id\":\"c1\",\"type\":\"result\",\"data\":{\"copied\":1048576}}", in.readLine());
            assertNull(in.readLine());
        }
    }

    @Test
    void typedFailuresCarryWhatTheyConcern() throws Exception {
        serve();
        served.commands.register("snapshot-delete", Commands.Availability.ALWAYS, (args, progress) -> {
            String domain = args.requiredString("domain");
            throw new CommandFailure(ErrorCode.REFUSED, "snapshot s1 is protected by clone c1; delete c1 first")
                    .withDomain(domain).withDisk("vda").withSnapshot("s1").withFile("/var/lib/libvirt/images/a.s1");
        });
        JsonNode r = served.only("{\"v\":1,\"id\":\"d\",\"command\":\"snapshot-delete\",\"args\":{\"domain\":\"web-1\"}}");
        assertEquals("{\"id\":\"d\",\"type\":\"error\",\"code\":\"REFUSED\",\"message\":\"snapshot s1 is protected by"
                + " clone c1; delete c1 first\",\"domain\":\"web-1\",\"disk\":\"vda\",\"snapshot\":\"s1\","
                + "\"file\":\"/var/lib/libvirt/images/a.s1\"}", r.toString());

        JsonNode missing = served.only("{\"v\":1,\"id\":\"e\",\"command\":\"snapshot-delete\",\"args\":{}}");
        assertEquals("argument 'domain' is required", missing.get("message").asText());
        JsonNode mistyped = served.only("{\"v\":1,\"id\":\"f\",\"command\":\"snapshot-delete\",\"args\":{\"domain\":3}}");
        assertEquals("argument 'domain' must be a string, got number", mistyped.get("message").asText());
    }

    @Test
    void aCrashingHandlerIsReportedAndTheDaemonCarriesOn() throws Exception {
        serve();
        served.commands.register("boom", Commands.Availability.ALWAYS, (args, progress) -> {
            throw new IllegalStateException("ledger says no");
        });
        JsonNode r = served.only("{\"v\":1,\"id\":\"b\",\"command\":\"boom\"}");
        assertEquals("FAILED", r.get("code").asText());
        assertEquals("internal error in boom: java.lang.IllegalStateException: ledger says no; see the daemon's log",
                r.get("message").asText());
        assertEquals("result", served.only("{\"v\":1,\"id\":\"ok\",\"command\":\"ping\"}").get("type").asText());
    }

    @Test
    void changingCommandsWaitForRecovery() throws Exception {
        Lifecycle recovering = new Lifecycle(java.time.Clock.systemUTC());
        recovering.enter(Lifecycle.Phase.RECOVERING);
        Commands early = new Commands(recovering);
        early.register("snapshot-create", Commands.Availability.WHEN_READY, (args, progress) -> Json.object());
        early.register(PingCommand.NAME, Commands.Availability.ALWAYS, new PingCommand("t"));
        Request create = new Request("1", "snapshot-create", CommandArgs.none());
        CommandFailure busy = assertThrows(CommandFailure.class, () -> early.dispatch(create, ProgressSink.DISCARD));
        assertEquals(ErrorCode.BUSY, busy.code());
        assertEquals("the daemon is still recovering interrupted operations; try again shortly", busy.getMessage());
        early.dispatch(new Request("2", PingCommand.NAME, CommandArgs.none()), ProgressSink.DISCARD);
        recovering.enter(Lifecycle.Phase.READY);
        early.dispatch(create, ProgressSink.DISCARD);
        recovering.enter(Lifecycle.Phase.STOPPING);
        recovering.enter(Lifecycle.Phase.READY); // never goes back
        assertEquals("the daemon is shutting down",
                assertThrows(CommandFailure.class, () -> early.dispatch(create, ProgressSink.DISCARD)).getMessage());
    }

    @Test
    void clientFieldsAreEscapedBeforeTheyAreLogged() throws Exception {
        serve();
        java.util.concurrent.atomic.AtomicReference<String> received = new java.util.concurrent.atomic.AtomicReference<>();
        served.commands.register("note", Commands.Availability.ALWAYS, (args, progress) -> {
            received.set(args.requiredString("text"));
            throw CommandFailure.invalidArgument("text '" + args.requiredString("text") + "' refused");
        });
        try (LogCapture log = new LogCapture(Connection.class)) {
            // A newline in the command, an id and an argument that forge log lines, a bidi override,
            // and JSON's \ud800 escape, which Jackson decodes into a lone surrogate in the String.
            JsonNode unknown = served.only("{\"v\":1,\"id\":\"u\",\"command\":\"ping\\n2026 ERROR forged\"}");
            assertEquals("UNKNOWN_COMMAND", unknown.get("code").asText());
            assertTrue(unknown.get("message").asText().startsWith("unknown command 'ping\\n2026 ERROR forged'"),
                    unknown.get("message").asText());
            JsonNode refused = served.only("{\"v\":1,\"id\":\"n\\r\\nINFO x\",\"command\":\"note\",\"args\":{\"text\":"
                    + "\"a\\nINFO forged \\u202Egnp.exe \\ud800 " + "z".repeat(5000) + "\"}}");
            assertEquals("INVALID_ARGUMENT", refused.get("code").asText());
            assertEquals('\uD800', received.get().charAt(received.get().indexOf("exe ") + 4),
                    "the handler sees the decoded lone surrogate, so validation must run on the String");
            List<String> lines = log.messages();
            assertFalse(lines.isEmpty());
            for (String line : lines) {
                assertFalse(line.contains("\n") || line.contains("\r") || line.contains("\u202E")
                        || line.contains("\uD800"), "escaped: " + line);
                assertTrue(line.length() < 2500, "capped: " + line.length());
            }
            assertTrue(lines.stream().anyMatch(l -> l.contains("a\\nINFO forged \\u202Egnp.exe \\uD800 zzz")
                    && l.contains("more characters)")), lines.toString());
        }
    }

    @Test
    void aSocketDirectoryOthersCouldChangeIsRefused() throws Exception {
        Path run = Files.createDirectory(dir.resolve("run"));
        Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxrwxr-x"));
        ServedSocket s = new ServedSocket(run.resolve("ctl.sock"), ServedSocket.ABSENT_GROUP, 2, Duration.ofSeconds(2));
        IOException e = assertThrows(IOException.class, s.socket::start);
        assertTrue(e.getMessage().startsWith("the control socket's directory " + run + " is writable by its group"
                + " (mode 0775)"), e.getMessage());
        assertFalse(Files.exists(run.resolve("ctl.sock"), LinkOption.NOFOLLOW_LINKS));

        Path real = Files.createDirectory(dir.resolve("real"));
        Path linked = Files.createSymbolicLink(dir.resolve("linked"), real);
        ServedSocket l = new ServedSocket(linked.resolve("ctl.sock"), ServedSocket.ABSENT_GROUP, 2, Duration.ofSeconds(2));
        IOException link = assertThrows(IOException.class, l.socket::start);
        assertTrue(link.getMessage().contains("is a symbolic link"), link.getMessage());
        assertFalse(Files.exists(real.resolve("ctl.sock"), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void aSilentClientIsDisconnected() throws Exception {
        serve();
        try (SocketChannel channel = TinyClient.open(served.path)) {
            long start = System.nanoTime();
            assertNull(TinyClient.reader(channel).readLine()); // closed by the daemon, no response
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(waited >= 1500 && waited < 10_000, "closed after " + waited + " ms");
        }
        assertEquals("result", served.only("{\"v\":1,\"id\":\"ok\",\"command\":\"ping\"}").get("type").asText());
    }

    @Test
    void aFullPoolAnswersBusy() throws Exception {
        served = new ServedSocket(dir.resolve("ctl.sock"), ServedSocket.ABSENT_GROUP, 1, Duration.ofSeconds(5));
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        served.commands.register("hold", Commands.Availability.ALWAYS, (args, progress) -> {
            started.countDown();
            try {
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Json.object();
        });
        served.socket.start();
        String hold = "{\"v\":1,\"id\":\"h\",\"command\":\"hold\"}\n";
        try (SocketChannel running = TinyClient.open(served.path); SocketChannel queued = TinyClient.open(served.path)) {
            TinyClient.send(running, hold);
            assertTrue(started.await(10, TimeUnit.SECONDS));
            TinyClient.send(queued, hold);
            Thread.sleep(300); // let the acceptor queue it
            JsonNode busy = served.only("{\"v\":1,\"id\":\"third\",\"command\":\"hold\"}");
            assertEquals("BUSY", busy.get("code").asText());
            release.countDown();
            assertTrue(TinyClient.reader(running).readLine().contains("\"type\":\"result\""));
            assertTrue(TinyClient.reader(queued).readLine().contains("\"type\":\"result\""));
        }
    }

    /** A command that holds its worker until released, counting the runs that started. */
    private static CommandHandler holding(CountDownLatch release, java.util.concurrent.atomic.AtomicInteger started) {
        return (args, progress) -> {
            started.incrementAndGet();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Json.object();
        };
    }

    private static CommandHandler quickStatus() {
        return (args, progress) -> {
            ObjectNode data = Json.object();
            data.put("phase", "ready");
            return data;
        };
    }

    @Test
    void statusAndPingAnswerWhileLongCommandsHoldEveryWorkerAndFillTheQueue() throws Exception {
        served = new ServedSocket(dir.resolve("ctl.sock"), ServedSocket.ABSENT_GROUP, 16, Duration.ofSeconds(5));
        CountDownLatch release = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger started = new java.util.concurrent.atomic.AtomicInteger();
        served.commands.register("hold", Commands.Availability.ALWAYS, holding(release, started));
        served.commands.register("status", Commands.Availability.ALWAYS, quickStatus());
        served.commands.register(PingCommand.NAME, Commands.Availability.ALWAYS, new PingCommand("t"));
        served.socket.start();
        List<SocketChannel> held = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 32; i++) { // 16 running, 16 waiting in the queue
                SocketChannel c = TinyClient.open(served.path);
                held.add(c);
                TinyClient.send(c, "{\"v\":1,\"id\":\"h" + i + "\",\"command\":\"hold\"}\n");
            }
            long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (started.get() < 16 && System.nanoTime() < waitUntil) {
                Thread.sleep(10);
            }
            assertEquals(16, started.get(), "every worker holds a long command");
            Thread.sleep(200); // and the other 16 are queued
            assertEquals("BUSY", served.only("{\"v\":1,\"id\":\"x\",\"command\":\"hold\"}").get("code").asText());
            for (int i = 0; i < 5; i++) {
                long t0 = System.nanoTime();
                JsonNode status = served.only("{\"v\":1,\"id\":\"s" + i + "\",\"command\":\"status\"}");
                JsonNode pong = served.only("{\"v\":1,\"id\":\"p" + i + "\",\"command\":\"ping\"}");
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertEquals("ready", status.at("/data/phase").asText(), status.toString());
                assertTrue(pong.at("/data/pong").asBoolean(), pong.toString());
                assertTrue(millis < 1000, "status and ping took " + millis + " ms with every worker busy");
            }
        } finally {
            release.countDown();
            for (SocketChannel c : held) {
                c.close();
            }
        }
    }

    @Test
    void aRequestWaitingInTheQueuePastItsDeadlineIsToldBusyAndNeverRuns() throws Exception {
        served = new ServedSocket(dir.resolve("ctl.sock"), ServedSocket.ABSENT_GROUP, 1, Duration.ofSeconds(5),
                Duration.ofSeconds(1));
        CountDownLatch release = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger started = new java.util.concurrent.atomic.AtomicInteger();
        served.commands.register("hold", Commands.Availability.ALWAYS, holding(release, started));
        served.socket.start();
        try (SocketChannel running = TinyClient.open(served.path); SocketChannel queued = TinyClient.open(served.path)) {
            TinyClient.send(running, "{\"v\":1,\"id\":\"r\",\"command\":\"hold\"}\n");
            long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (started.get() < 1 && System.nanoTime() < waitUntil) {
                Thread.sleep(10);
            }
            long t0 = System.nanoTime();
            TinyClient.send(queued, "{\"v\":1,\"id\":\"q\",\"command\":\"hold\"}\n");
            BufferedReader in = TinyClient.reader(queued);
            JsonNode busy = Json.read(in.readLine().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertEquals("BUSY", busy.get("code").asText(), busy.toString());
            assertEquals("q", busy.get("id").asText());
            assertTrue(busy.get("message").asText().contains("stayed busy for 1 s"), busy.toString());
            assertTrue(millis >= 900 && millis < 5000, "told after " + millis + " ms");
            assertNull(in.readLine(), "and closed");
            release.countDown();
            assertTrue(TinyClient.reader(running).readLine().contains("\"type\":\"result\""));
            Thread.sleep(200);
            assertEquals(1, started.get(), "the expired request never ran");
        }
    }

    @Test
    void aServedRequestLeavesNoDeadlineHoldingItsLine() throws Exception {
        served = new ServedSocket(dir.resolve("ctl.sock"), ServedSocket.ABSENT_GROUP, 2, Duration.ofSeconds(5),
                Duration.ofSeconds(60));
        served.commands.register("work", Commands.Availability.ALWAYS, (args, progress) -> Json.object());
        served.socket.start();
        String pad = "p".repeat(60_000); // near the request limit: a minute of these must not pile up
        for (int i = 0; i < 50; i++) {
            JsonNode r = served.only("{\"v\":1,\"id\":\"w" + i + "\",\"command\":\"work\",\"pad\":\"" + pad + "\"}");
            assertEquals("result", r.get("type").asText(), r.toString());
        }
        Thread.sleep(100);
        assertEquals(0, served.socket.armedTimers(), "every queue deadline was cancelled when its request started");
    }

    @Test
    void idleConnectionsHoldNoWorker() throws Exception {
        served = new ServedSocket(dir.resolve("ctl.sock"), ServedSocket.ABSENT_GROUP, 2, Duration.ofSeconds(20));
        served.commands.register("status", Commands.Availability.ALWAYS, quickStatus());
        served.commands.register("work", Commands.Availability.ALWAYS, (args, progress) -> Json.object());
        served.socket.start();
        List<SocketChannel> idle = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                idle.add(TinyClient.open(served.path)); // connected, sending nothing
            }
            Thread.sleep(200);
            long t0 = System.nanoTime();
            assertEquals("result", served.only("{\"v\":1,\"id\":\"s\",\"command\":\"status\"}").get("type").asText());
            assertEquals("result", served.only("{\"v\":1,\"id\":\"w\",\"command\":\"work\"}").get("type").asText());
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(millis < 1000, "answered in " + millis + " ms beside 200 idle connections");
        } finally {
            for (SocketChannel c : idle) {
                c.close();
            }
        }
    }

    @Test
    void withoutItsGroupTheSocketIsRootOnly() throws Exception {
        serve();
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(served.path)));
        assertEquals("root", Files.getOwner(served.path).getName());
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(served.path.getParent())));
    }

    @Test
    void withItsGroupTheSocketIs0660() throws Exception {
        String group = PeerCredentialsTest.nobodysGroup();
        served = ServedSocket.started(dir.resolve("run/ctl.sock"), group);
        assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(served.path)));
        assertEquals("root", Files.getOwner(served.path).getName());
        assertEquals(group, Files.readAttributes(served.path, java.nio.file.attribute.PosixFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS).group().getName());
        assertEquals(group, Files.readAttributes(served.path.getParent(),
                java.nio.file.attribute.PosixFileAttributes.class).group().getName());
    }

    @Test
    void aStaleSocketFromACrashedRunIsReplaced() throws Exception {
        Path path = dir.resolve("ctl.sock");
        ServerSocketChannel crashed = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        crashed.bind(UnixDomainSocketAddress.of(path));
        crashed.close(); // the file stays, nobody listens: what kill -9 leaves behind
        assertTrue(Files.exists(path, LinkOption.NOFOLLOW_LINKS));
        try (LogCapture log = new LogCapture(SocketFile.class)) {
            served = ServedSocket.started(path, ServedSocket.ABSENT_GROUP);
            assertTrue(log.messages().contains("removed stale control socket " + path + " left by an earlier run"));
        }
        served.commands.register(PingCommand.NAME, Commands.Availability.ALWAYS, new PingCommand("t"));
        assertEquals("result", served.only("{\"v\":1,\"id\":\"ok\",\"command\":\"ping\"}").get("type").asText());
    }

    @Test
    void aLiveDaemonsSocketIsNotTaken() throws Exception {
        serve();
        ServedSocket second = new ServedSocket(served.path, ServedSocket.ABSENT_GROUP, 1, Duration.ofSeconds(1));
        IOException e = assertThrows(IOException.class, second.socket::start);
        assertEquals("another virtchaind is already listening on " + served.path, e.getMessage());
        second.close();
        assertTrue(Files.exists(served.path, LinkOption.NOFOLLOW_LINKS), "the first daemon's socket must survive");
        assertEquals("result", served.only("{\"v\":1,\"id\":\"ok\",\"command\":\"ping\"}").get("type").asText());
    }

    @Test
    void aFileThatIsNotASocketIsNeverRemoved() throws Exception {
        Path path = dir.resolve("ctl.sock");
        Files.writeString(path, "precious");
        ServedSocket s = new ServedSocket(path, ServedSocket.ABSENT_GROUP, 1, Duration.ofSeconds(1));
        IOException e = assertThrows(IOException.class, s.socket::start);
        assertEquals(path + " exists and is not a socket; remove it or choose another --socket path", e.getMessage());
        s.close();
        assertEquals("precious", Files.readString(path));
    }

    @Test
    void closingRemovesTheSocketAndItsPulse() throws Exception {
        serve();
        assertTrue(served.heartbeat.healthy());
        served.close();
        assertFalse(Files.exists(served.path, LinkOption.NOFOLLOW_LINKS));
        Thread.sleep(100);
        assertTrue(served.heartbeat.stalled().isEmpty());
        served = null;
    }

    private void assertError(String request, String id, String code, String messageStart) {
        List<JsonNode> lines = served.exchange(request);
        assertEquals(1, lines.size(), request + " -> " + lines);
        JsonNode r = lines.get(0);
        assertEquals("error", r.get("type").asText(), request);
        assertEquals(code, r.get("code").asText(), request);
        if (id == null) {
            assertTrue(r.get("id").isNull(), request + " -> " + r);
        } else {
            assertEquals(id, r.get("id").asText(), request);
        }
        assertTrue(r.get("message").asText().startsWith(messageStart), request + " -> " + r.get("message"));
    }
}
