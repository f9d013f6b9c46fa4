package dev.virtchain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against a real Unix socket with a scripted daemon behind it: output and exit status. */
class EndToEndTest {
    @TempDir
    Path directory;

    private ScriptedDaemon daemon;

    /** What one run printed and returned. */
    record Run(int status, String out, String err) {
    }

    @AfterEach
    void stopDaemon() throws IOException {
        if (daemon != null) {
            daemon.close();
            daemon.check();
        }
    }

    private Path socket() {
        return directory.resolve("virtchain.sock");
    }

    private Run run(String socketVariable, boolean terminal, String... argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = new Main(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), socketVariable, terminal, Clock.systemUTC(),
                Fixtures.ZONE, directory).run(argv);
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Run run(String... argv) {
        return run(socket().toString(), false, argv);
    }

    @Test
    void statusPrintsTheViewAndExitsZero() throws Exception {
        daemon = ScriptedDaemon.answering(socket(), Fixtures.replyData("status"));
        Run run = run("status");
        assertEquals(0, run.status());
        assertEquals("", run.err());
        Fixtures.assertGolden("status", run.out());
        Map<String, Object> request = daemon.lastRequest();
        assertEquals(1L, request.get("v"));
        assertEquals("status", request.get("command"));
        assertEquals(Map.of(), request.get("args"));
        assertTrue(Json.string(request, "id").matches("[0-9a-f]{16}"), "a random id: " + request.get("id"));
    }

    @Test
    void sendsTheArgumentsAsTheTableMapsThem() throws Exception {
        daemon = ScriptedDaemon.answering(socket(), Fixtures.replyData("delete-done"));
        Run run = run("snapshot-delete", "web1", "nightly-1", "nightly-2", "--bandwidth", "10");
        assertEquals(0, run.status());
        assertEquals("{\"domain\":\"web1\",\"names\":[\"nightly-1\",\"nightly-2\"],\"bandwidth\":10}",
                Json.compact(daemon.lastRequest().get("args")));
        assertEquals("Deleted snapshots nightly-1, nightly-2 of web1.\nCopied 267.0 MiB; removed 2 files.\n", run.out());
    }

    @Test
    void jsonPrintsTheResultDataVerbatimAndPretty() throws Exception {
        Map<String, Object> data = Fixtures.replyData("snapshot-list");
        daemon = ScriptedDaemon.answering(socket(), data);
        Run run = run("--json", "snapshot-list", "web1");
        assertEquals(0, run.status());
        assertEquals(Json.pretty(data) + "\n", run.out());
        assertEquals(data, Json.parse(run.out()));
    }

    @Test
    void quietPrintsNothingOnSuccess() throws Exception {
        daemon = ScriptedDaemon.start(socket(), (request, peer) -> {
            peer.progress("commit vda", 1, 2);
            peer.progress("commit vda", 2, 2);
            peer.result(Fixtures.replyData("delete-done"));
        });
        Run run = run("snapshot-delete", "web1", "a", "--quiet");
        assertEquals(new Run(0, "", ""), run);
    }

    @Test
    void streamsProgressToStderrThenPrintsTheResult() throws Exception {
        long mib = 1024 * 1024;
        daemon = ScriptedDaemon.start(socket(), (request, peer) -> {
            for (long done = 0; done <= 4; done++) {
                peer.progress("commit vda", done * mib, 4 * mib);
                Thread.sleep(30);
            }
            peer.send(Map.of("type", "progress", "phase", "unlink", "message", "removing web1.qcow2.1"));
            peer.result(Fixtures.replyData("delete-done"));
        });
        Run run = run("snapshot-delete", "web1", "nightly-1");
        assertEquals(0, run.status());
        List<String> lines = run.err().lines().toList();
        assertEquals("commit vda: 0% 0 B/4.0 MiB", lines.get(0), run.err());
        assertTrue(lines.contains("commit vda: 100% 4.0 MiB/4.0 MiB") || lines.get(1).startsWith("commit vda: 100% 4.0 MiB/4.0 MiB "),
                run.err());
        assertEquals("unlink: removing web1.qcow2.1", lines.get(lines.size() - 1));
        assertEquals(3, lines.size(), "start, completion, next phase: " + run.err());
        assertTrue(run.out().startsWith("Deleted snapshots nightly-1, nightly-2 of web1."), run.out());
    }

    @Test
    void onATerminalDrawsTheBarInPlace() throws Exception {
        daemon = ScriptedDaemon.start(socket(), (request, peer) -> {
            peer.progress("pull vda", 0, 100);
            peer.progress("pull vda", 100, 100);
            peer.result(Fixtures.replyData("delete-done"));
        });
        Run run = run(socket().toString(), true, "snapshot-delete", "web1", "a");
        assertEquals(0, run.status());
        assertEquals("\rpull vda [....................] 0% 0 B/100 B"
                + "\rpull vda [####################] 100% 100 B/100 B\n", run.err());
    }

    @Test
    void aDaemonErrorExitsOneWithItsMessage() throws Exception {
        daemon = ScriptedDaemon.start(socket(), (request, peer) -> peer.error("UNKNOWN_SNAPSHOT",
                "domain web1 has no snapshot \"nightly-9\"", "domain", "web1", "snapshot", "nightly-9"));
        Run run = run("snapshot-info", "web1", "nightly-9");
        assertEquals(new Run(1, "", "error: domain web1 has no snapshot \"nightly-9\" [UNKNOWN_SNAPSHOT]\n"), run);
    }

    @Test
    void detailsTheMessageLeftOutAreAdded() throws Exception {
        daemon = ScriptedDaemon.start(socket(), (request, peer) -> peer.error("FAILED",
                "block commit failed: Input/output error", "domain", "web1", "disk", "vda",
                "file", "/var/lib/libvirt/images/web1.qcow2.1"));
        Run run = run("snapshot-delete", "web1", "nightly-1");
        assertEquals(1, run.status());
        assertEquals("error: block commit failed: Input/output error [FAILED]\n"
                + "  domain: web1\n  disk: vda\n  file: /var/lib/libvirt/images/web1.qcow2.1\n", run.err());
    }

    @Test
    void busyAndUnknownCommandSayWhatToDo() throws Exception {
        daemon = ScriptedDaemon.start(socket(), (request, peer) -> {
            if ("prune".equals(request.get("command"))) {
                peer.error("BUSY", "web1 is busy: snapshot-delete is running", "domain", "web1");
            } else {
                peer.error("UNKNOWN_COMMAND", "unknown command adopt");
            }
        });
        Run busy = run("prune", "web1");
        assertEquals(1, busy.status());
        assertEquals("error: web1 is busy: snapshot-delete is running [BUSY]\n"
                + "another operation holds the domain; see 'virtchain job-list'\n", busy.err());
        Run unknown = run("adopt", "web1");
        assertEquals(1, unknown.status());
        assertTrue(unknown.err().endsWith("is it older than this client?\n"), unknown.err());
    }

    @Test
    void withJsonAnErrorIsAlsoPrintedAsJson() throws Exception {
        daemon = ScriptedDaemon.start(socket(), (request, peer) -> peer.error("REFUSED",
                "nightly-2 is protected: web1-test uses its images", "domain", "web1", "snapshot", "nightly-2"));
        Run run = run("--json", "snapshot-delete", "web1", "nightly-2");
        assertEquals(1, run.status());
        assertEquals("{\n  \"code\": \"REFUSED\",\n  \"message\": \"nightly-2 is protected: web1-test uses its images\",\n"
                + "  \"domain\": \"web1\",\n  \"snapshot\": \"nightly-2\"\n}\n", run.out());
        assertEquals("error: nightly-2 is protected: web1-test uses its images [REFUSED]\n", run.err());
    }

    @Test
    void progressIsEndedBeforeAnErrorIsPrinted() throws Exception {
        daemon = ScriptedDaemon.start(socket(), (request, peer) -> {
            peer.progress("commit vda", 1, 2);
            peer.error("FAILED", "job vanished", "domain", "web1", "disk", "vda");
        });
        Run run = run(socket().toString(), true, "snapshot-delete", "web1", "a");
        assertEquals(1, run.status());
        assertEquals("\rcommit vda [##########..........] 50% 1 B/2 B\nerror: job vanished [FAILED]\n"
                + "  domain: web1\n  disk: vda\n", run.err());
    }

    @Test
    void aConnectionClosedBeforeTheAnswerExitsOne() throws Exception {
        daemon = ScriptedDaemon.start(socket(), (request, peer) -> peer.progress("commit vda", 1, 2));
        Run run = run("snapshot-delete", "web1", "a");
        assertEquals(1, run.status());
        assertTrue(run.err().endsWith("error: virtchaind closed the connection before answering (connection closed); "
                + "snapshot-delete may still be running or have finished: see 'virtchain job-list' and "
                + "'virtchain status'\n"), run.err());
    }

    @Test
    void aMalformedOrForeignReplyExitsOne() throws Exception {
        daemon = ScriptedDaemon.start(socket(), (request, peer) -> {
            if ("status".equals(request.get("command"))) {
                peer.sendRaw("{\"type\":\"result\",\n");
            } else {
                peer.sendRaw("{\"id\":\"0000000000000000\",\"type\":\"result\",\"data\":{}}\n");
            }
        });
        Run malformed = run("status");
        assertEquals(1, malformed.status());
        assertTrue(malformed.err().startsWith("error: virtchaind sent a malformed reply (malformed JSON at offset 17"),
                malformed.err());
        Run foreign = run("domains");
        assertEquals(1, foreign.status());
        assertTrue(foreign.err().startsWith("error: virtchaind answered request 0000000000000000 instead of "),
                foreign.err());
    }

    @Test
    void namesAndMessagesTravelAsUtf8() throws Exception {
        daemon = ScriptedDaemon.start(socket(), (request, peer) -> peer.error("UNKNOWN_DOMAIN",
                "no domain " + Json.string(Json.object(request, "args"), "domain") + " ✗"));
        Run run = run("snapshot-list", "wébserver-日本");
        assertEquals(new Run(1, "", "error: no domain wébserver-日本 ✗ [UNKNOWN_DOMAIN]\n"), run);
    }

    @Test
    void aMissingSocketExitsThree() {
        Run run = run("status");
        assertEquals(3, run.status());
        assertEquals("error: cannot reach virtchaind at " + socket() + ": socket does not exist; "
                + "is virtchaind running? (systemctl status virtchaind)\n", run.err());
    }

    @Test
    void aMissingDirectoryIsNamed() {
        Path socket = directory.resolve("run/virtchain.sock");
        Run run = run(socket.toString(), false, "status");
        assertEquals(3, run.status());
        assertEquals("error: cannot reach virtchaind at " + socket + ": directory " + socket.getParent()
                + " does not exist; is virtchaind running? (systemctl status virtchaind)\n", run.err());
    }

    @Test
    void aStaleSocketIsRefusedAndExitsThree() throws Exception {
        // A socket file nobody listens on: what a crashed daemon leaves behind.
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket()));
        }
        assertTrue(Files.exists(socket()));
        Run run = run("status");
        assertEquals(3, run.status());
        assertEquals("error: cannot reach virtchaind at " + socket() + ": connection refused; "
                + "is virtchaind running? (systemctl status virtchaind)\n", run.err());
    }

    @Test
    void theEnvironmentVariablePicksTheSocketAndTheOptionWins() throws Exception {
        daemon = ScriptedDaemon.answering(socket(), Map.of("jobs", List.of()));
        assertEquals(0, run(socket().toString(), false, "job-list").status());
        Run relative = run("virtchain.sock", false, "job-list");
        assertEquals(0, relative.status(), "relative to the working directory: " + relative.err());
        Run overridden = run("/nonexistent/x.sock", false, "--socket", socket().toString(), "job-list");
        assertEquals(0, overridden.status(), overridden.err());
        Run wrong = run("/nonexistent/x.sock", false, "job-list");
        assertEquals(3, wrong.status());
        assertTrue(wrong.err().contains("/nonexistent/x.sock"), wrong.err());
    }

    @Test
    void usageErrorsExitTwoAndSendNothing() throws Exception {
        daemon = ScriptedDaemon.answering(socket(), Map.of());
        Run run = run("snapshot-delete", "web1", "../x");
        assertEquals(new Run(2, "", "error: invalid snapshot name \"../x\": must not contain '/'\n"
                + "usage: virtchain snapshot-delete DOMAIN NAME... [--dry-run] [--no-wait] [--bandwidth MIB/S]\n"
                + "Try 'virtchain help snapshot-delete' for more.\n"), run);
        Run none = run();
        assertEquals(new Run(2, "", "error: missing COMMAND\n"
                + "usage: virtchain [--socket PATH] [--json] [--quiet] [--timeout SECONDS] COMMAND ...\n"
                + "Try 'virtchain help' for the list of commands.\n"), none);
        assertTrue(daemon.requests().isEmpty());
    }

    @Test
    void helpNeedsNoDaemon() {
        Run run = run("help", "snapshot-delete");
        assertEquals(0, run.status());
        assertEquals(Manual.help(Commands.find("snapshot-delete")), run.out());
        assertEquals(Manual.overview(), run("--help").out());
        assertFalse(Files.exists(socket()));
    }

    // ---- --timeout: a daemon that stays silent ----

    @Test
    void aDaemonThatNeverAnswersIsGivenUpOnWithStatus3() throws Exception {
        java.util.concurrent.CountDownLatch end = new java.util.concurrent.CountDownLatch(1);
        daemon = ScriptedDaemon.start(socket(), (request, peer) -> end.await(30, java.util.concurrent.TimeUnit.SECONDS));
        try {
            long t0 = System.nanoTime();
            Run run = run("--timeout", "1", "status");
            long millis = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertEquals(3, run.status(), run.toString());
            assertEquals("", run.out());
            assertTrue(run.err().startsWith("error: virtchaind at " + socket() + " sent nothing for 1 s (--timeout 1);"
                    + " it may be overloaded or stuck"), run.err());
            assertTrue(millis >= 900 && millis < 5000, "gave up after " + millis + " ms");
        } finally {
            end.countDown();
        }
    }

    @Test
    void progressKeepsAnOperationAliveAsLongAsItFlows() throws Exception {
        daemon = ScriptedDaemon.start(socket(), (request, peer) -> {
            for (int i = 1; i <= 6; i++) { // 3 s in all, never 1 s silent
                Thread.sleep(500);
                peer.progress("commit vda", i, 6);
            }
            peer.result(Fixtures.replyData("delete-done"));
        });
        Run run = run("--timeout", "1", "snapshot-delete", "web1", "a", "--quiet");
        assertEquals(new Run(0, "", ""), run);
    }

    @Test
    void anExplicitTimeoutAlsoBoundsTheSilenceBetweenProgressLines() throws Exception {
        java.util.concurrent.CountDownLatch end = new java.util.concurrent.CountDownLatch(1);
        daemon = ScriptedDaemon.start(socket(), (request, peer) -> {
            peer.progress("commit vda", 1, 2);
            end.await(30, java.util.concurrent.TimeUnit.SECONDS);
        });
        try {
            Run run = run("snapshot-delete", "web1", "a", "--timeout=1", "--quiet");
            assertEquals(3, run.status(), run.toString());
            assertTrue(run.err().contains("If snapshot-delete changes something, it may still run: see 'virtchain"
                    + " job-list'"), run.err());
        } finally {
            end.countDown();
        }
    }

    @Test
    void theDefaultTimeoutStopsOnceProgressShowsTheOperationRuns() throws Exception {
        daemon = ScriptedDaemon.start(socket(), (request, peer) -> {
            peer.progress("commit vda", 1, 2);
            Thread.sleep(2500); // an offline commit reports nothing for a while
            peer.result(Fixtures.replyData("delete-done"));
        });
        // The default, scaled down to 1 s: not given by the user, so progress lifts it.
        Object result = new ControlSocket(socket(), 1, false).call("snapshot-delete", Map.of("domain", "web1"), null);
        assertTrue(result instanceof Map, String.valueOf(result));
    }

    @Test
    void theDefaultTimeoutBoundsTheWaitForTheFirstLine() throws Exception {
        java.util.concurrent.CountDownLatch end = new java.util.concurrent.CountDownLatch(1);
        daemon = ScriptedDaemon.start(socket(), (request, peer) -> end.await(30, java.util.concurrent.TimeUnit.SECONDS));
        try {
            Failure f = assertThrows(Failure.class,
                    () -> new ControlSocket(socket(), 1, false).call("status", Map.of(), null));
            assertEquals(Failure.UNREACHABLE, f.status());
        } finally {
            end.countDown();
        }
        assertEquals(30, Main.DEFAULT_TIMEOUT_SECONDS);
    }

    @Test
    void hostileTextGoesToTheDaemonAsGivenAndItsRefusalIsShown() throws Exception {
        String hostile = "invoice\u202Efdp.exe \uFFFE \uD83F\uDFFE :colon \u0085" + "x".repeat(10 * 1024);
        daemon = ScriptedDaemon.start(socket(), (request, peer) -> peer.error("INVALID_ARGUMENT",
                "the description of snapshot s1 in domain web1 is refused: it contains U+202E (RIGHT-TO-LEFT OVERRIDE),"
                        + " a format character (such as a bidi override or a zero-width character), at position 8",
                "domain", "web1", "snapshot", "s1"));
        Run run = run("snapshot-create", "web1", "s1", "--description", hostile);
        assertEquals(1, run.status(), run.toString());
        assertTrue(run.err().contains("U+202E (RIGHT-TO-LEFT OVERRIDE)") && run.err().contains("[INVALID_ARGUMENT]"),
                run.err());
        Map<String, Object> request = daemon.lastRequest();
        @SuppressWarnings("unchecked")
        Map<String, Object> args = (Map<String, Object>) request.get("args");
        assertEquals(hostile, args.get("description"), "the client neither cleans nor cuts: the daemon decides");
        assertEquals("s1", args.get("name"));
    }
}
