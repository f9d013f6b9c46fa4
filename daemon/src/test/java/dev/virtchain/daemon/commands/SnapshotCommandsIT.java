package dev.virtchain.daemon.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtchain.testing.ImageContent;
import dev.virtchain.testing.TestDomain;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The snapshot commands end to end: the real CLI ({@code bin/virtchain}) against a real
 * virtchaind ({@code bin/virtchaind}) on the real libvirtd, with small TCG domains. Checks the
 * {@code --json} shapes against the contract, that points in time survive deletes, and the
 * error paths a user meets.
 */
@Timeout(900)
class SnapshotCommandsIT {
    @TempDir
    static Path dir;

    static RealDaemon daemon;

    @BeforeAll
    static void startDaemon() throws Exception {
        daemon = RealDaemon.start(dir, "");
    }

    @AfterAll
    static void stopDaemon() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
    }

    private static JsonNode ok(RealDaemon.Run r) {
        assertEquals(0, r.status(), r.toString());
        return r.json();
    }

    private static JsonNode error(RealDaemon.Run r, String code) {
        assertEquals(1, r.status(), r.toString());
        JsonNode e = r.json();
        assertEquals(code, e.path("code").textValue(), r.toString());
        return e;
    }

    private static void adopt(TestDomain dom) throws Exception {
        JsonNode a = ok(daemon.cli("--json", "adopt", dom.name()));
        assertEquals(dom.name(), a.path("domain").textValue());
    }

    @Test
    void createListDeleteKeepEveryPointInTime() throws Exception {
        try (TestDomain dom = TestDomain.builder().create()) {
            adopt(dom);
            String d = dom.name();
            Path base = dom.basePath("vda");

            dom.write("vda", 0x11, "0", "1M");
            JsonNode c1 = ok(daemon.cli("--json", "snapshot-create", d, "s1"));
            Shape.assertSameShape(Shape.reply("snapshot-create.json"), c1);
            assertEquals("s1", c1.at("/snapshot/name").textValue());
            assertEquals("manual", c1.at("/snapshot/origin").textValue());
            assertEquals("crash", c1.at("/snapshot/consistency").textValue(), "no guest agent: auto falls back");
            assertEquals(base.toString(), c1.at("/snapshot/disks/0/file").textValue());
            String s1Digest = ImageContent.digest(base);

            dom.write("vda", 0x22, "1M", "2M");
            JsonNode c2 = ok(daemon.cli("--json", "snapshot-create", d, "s2", "--description", "second one",
                    "--quiesce", "no"));
            assertEquals("second one", c2.at("/snapshot/description").textValue());
            assertEquals("s1", c2.at("/snapshot/parent").textValue());
            Path s2Holder = Path.of(c2.at("/snapshot/disks/0/file").textValue());
            assertNotEquals(base, s2Holder);
            String s2Digest = ImageContent.digest(s2Holder);

            dom.write("vda", 0x33, "4M", "1M");
            JsonNode c3 = ok(daemon.cli("--json", "snapshot-create", d));
            String defaultName = c3.at("/snapshot/name").textValue();
            assertTrue(defaultName.matches("snap-\\d{8}T\\d{6}Z"), defaultName);

            JsonNode list = ok(daemon.cli("--json", "snapshot-list", d));
            Shape.assertSameShape(Shape.reply("snapshot-list.json"), list);
            assertEquals(List.of("s1", "s2", defaultName), names(list.path("snapshots")));
            assertEquals(defaultName, list.path("current").textValue());
            assertEquals(s2Holder.toString(), list.at("/snapshots/1/disks/0/file").textValue());

            // Existing name, unknown disk.
            error(daemon.cli("--json", "snapshot-create", d, "s1"), "REFUSED");
            JsonNode unknownDisk = error(daemon.cli("--json", "snapshot-create", d, "s9", "--disks", "vdz"),
                    "UNKNOWN_DISK");
            assertEquals("vdz", unknownDisk.path("disk").textValue());

            JsonNode planned = ok(daemon.cli("--json", "snapshot-delete", d, "s1", "--dry-run"));
            Shape.assertSameShape(Shape.reply("delete-planned.json"), planned);
            assertEquals("planned", planned.path("state").textValue());
            assertFalse(planned.at("/plan/steps").isEmpty(), planned.toString());
            assertEquals(3, names(ok(daemon.cli("--json", "snapshot-list", d)).path("snapshots")).size(),
                    "a dry run changes nothing");

            // Deleting the bottom snapshot commits s2's holder into the base: s2 moves down.
            RealDaemon.Run deleting = daemon.cli("--json", "snapshot-delete", d, "s1");
            JsonNode done = ok(deleting);
            Shape.assertSameShape(Shape.reply("delete-done.json"), done);
            assertEquals(List.of("s1"), strings(done.path("deleted")));
            assertTrue(done.path("bytesCopied").asLong() > 0, done.toString());
            assertTrue(deleting.err().contains("vda"), "progress names the disk: " + deleting.err());

            JsonNode after = ok(daemon.cli("--json", "snapshot-list", d));
            assertEquals(List.of("s2", defaultName), names(after.path("snapshots")));
            String s2Now = after.at("/snapshots/0/disks/0/file").textValue();
            assertEquals(s2Digest, ImageContent.digest(Path.of(s2Now)), "s2's point in time survived");
            for (JsonNode removed : done.path("removed")) {
                assertFalse(Files.exists(Path.of(removed.textValue())), removed + " was removed");
            }
            if (!s2Now.equals(s2Holder.toString())) {
                assertEquals(base.toString(), s2Now, "a commit moves s2 into the base");
            }
            assertNotEquals(s1Digest, s2Digest);

            JsonNode info = ok(daemon.cli("--json", "snapshot-info", d, "s2"));
            assertEquals(s2Now, info.at("/disks/0/file").textValue());
        }
    }

    @Test
    void revertKeepsTheStateLeftBehind() throws Exception {
        try (TestDomain dom = TestDomain.builder().create()) {
            adopt(dom);
            String d = dom.name();
            dom.write("vda", 0x44, "0", "1M");
            ok(daemon.cli("--json", "snapshot-create", d, "r1"));
            dom.write("vda", 0x55, "0", "1M");

            JsonNode running = error(daemon.cli("--json", "snapshot-revert", d, "r1"), "REFUSED");
            assertTrue(running.path("message").textValue().contains("--force"), running.toString());

            JsonNode planned = ok(daemon.cli("--json", "snapshot-revert", d, "r1", "--force", "--dry-run"));
            assertEquals("planned", planned.path("state").textValue());
            assertEquals("r1", planned.path("revertedTo").textValue());

            JsonNode done = ok(daemon.cli("--json", "snapshot-revert", d, "r1", "--force"));
            Shape.assertSameShape(Shape.reply("revert-done.json"), done);
            String saved = done.path("savedAs").textValue();
            assertTrue(saved.startsWith("pre-revert-r1-"), saved);
            assertTrue(dom.isRunning(), "--force starts the domain again");

            JsonNode list = ok(daemon.cli("--json", "snapshot-list", d));
            assertEquals("r1", list.path("current").textValue());
            assertEquals("revert", list.at("/snapshots/1/origin").textValue(), list.toString());
            assertEquals(saved, list.at("/snapshots/1/name").textValue());
        }
    }

    @Test
    void pruneNeedsAPolicy() throws Exception {
        try (TestDomain dom = TestDomain.builder().running(false).create()) {
            adopt(dom);
            JsonNode e = error(daemon.cli("--json", "prune", dom.name(), "--dry-run"), "REFUSED");
            assertTrue(e.path("message").textValue().contains("no policy applies"), e.toString());
            assertEquals(dom.name(), e.path("domain").textValue());
        }
    }

    @Test
    void badNamesAreRefusedByTheDaemonToo() throws Exception {
        // The CLI refuses these before sending (exit 2); a client that sends them meets the daemon's check.
        assertEquals(2, daemon.cli("snapshot-create", "x", "../x").status());
        String longName = "a".repeat(300);
        for (String bad : List.of("../x", "", longName, "a\nb")) {
            for (Map<String, Object> args : List.<Map<String, Object>>of(
                    Map.of("domain", bad, "names", List.of("s")),
                    Map.of("domain", "somedomain", "names", List.of(bad)))) {
                JsonNode reply = daemon.raw("snapshot-delete", args).get(0);
                assertEquals("error", reply.path("type").textValue(), reply.toString());
                assertEquals("INVALID_ARGUMENT", reply.path("code").textValue(), reply.toString());
                String m = reply.path("message").textValue();
                assertTrue(m.contains("is invalid"), m);
                assertTrue(m.contains(bad.isEmpty() ? "empty" : bad.length() == 300 ? "300 characters"
                        : bad.contains("\n") ? "U+000A" : "starts with '.'"), m);
            }
        }
        for (String command : List.of("snapshot-create", "snapshot-list", "snapshot-revert", "prune")) {
            Map<String, Object> args = command.equals("snapshot-revert") ? Map.of("domain", "../x", "name", "s")
                    : Map.of("domain", "../x");
            assertEquals("INVALID_ARGUMENT", daemon.raw(command, args).get(0).path("code").textValue(), command);
        }
    }

    @Test
    void unknownDomainsAndSnapshots() throws Exception {
        JsonNode none = error(daemon.cli("--json", "snapshot-list", "vctest-no-such-domain"), "UNKNOWN_DOMAIN");
        assertEquals("vctest-no-such-domain", none.path("domain").textValue());
        assertTrue(none.path("message").textValue().contains("libvirt has no domain"), none.toString());
        error(daemon.cli("--json", "snapshot-delete", "vctest-no-such-domain", "s"), "UNKNOWN_DOMAIN");
        error(daemon.cli("--json", "prune", "vctest-no-such-domain"), "UNKNOWN_DOMAIN");

        try (TestDomain dom = TestDomain.builder().running(false).create()) {
            adopt(dom);
            JsonNode e = error(daemon.cli("--json", "snapshot-delete", dom.name(), "nightly-9"), "UNKNOWN_SNAPSHOT");
            assertEquals("nightly-9", e.path("snapshot").textValue());
            assertEquals(dom.name(), e.path("domain").textValue());
            error(daemon.cli("--json", "snapshot-revert", dom.name(), "nightly-9"), "UNKNOWN_SNAPSHOT");
            error(daemon.cli("--json", "snapshot-info", dom.name(), "nightly-9"), "UNKNOWN_SNAPSHOT");
            JsonNode list = ok(daemon.cli("--json", "snapshot-list", dom.name()));
            assertTrue(list.path("snapshots").isArray() && list.path("snapshots").isEmpty(), list.toString());
            assertTrue(list.path("current").isNull(), list.toString());
        }
    }

    @Test
    void aDiskBusyWithAnOperationRefusesTheNextOne() throws Exception {
        try (TestDomain dom = TestDomain.builder().create()) {
            adopt(dom);
            String d = dom.name();
            ok(daemon.cli("--json", "snapshot-create", d, "b1"));
            dom.write("vda", 0x66, "0", "8M");
            ok(daemon.cli("--json", "snapshot-create", d, "b2"));
            // Apart from b2's data, so that neither a pull nor a commit is free.
            dom.write("vda", 0x77, "16M", "8M");

            JsonNode started = ok(daemon.cli("--json", "snapshot-delete", d, "b2", "--no-wait", "--bandwidth", "1"));
            assertEquals("started", started.path("state").textValue(), started.toString());
            Shape.assertSameShape(Shape.reply("delete-started.json"), started);
            JsonNode job = started.at("/jobs/0");
            assertEquals(d, job.path("domain").textValue());
            assertEquals("vda", job.path("disk").textValue());
            assertEquals("snapshot-delete", job.path("operation").textValue());

            JsonNode busy = error(daemon.cli("--json", "snapshot-create", d, "b3"), "BUSY");
            assertTrue(busy.path("message").textValue().contains("operation op-"), busy.toString());
            assertEquals(d, busy.path("domain").textValue());

            JsonNode jobs = ok(daemon.cli("--json", "job-list", d));
            assertEquals(1, jobs.path("jobs").size(), jobs.toString());

            awaitNoJobs(d);
            assertEquals(List.of("b1"), names(ok(daemon.cli("--json", "snapshot-list", d)).path("snapshots")));
        }
    }

    @Test
    void anUnreachableDaemonExits3() throws Exception {
        RealDaemon.Run r = RealDaemon.cliAt(dir.resolve("nothing-here.sock"), "--json", "snapshot-list", "x");
        assertEquals(3, r.status(), r.toString());
    }

    static void awaitNoJobs(String domain) throws Exception {
        awaitNoJobs(daemon, domain);
    }

    static void awaitNoJobs(RealDaemon daemon, String domain) throws Exception {
        long deadline = System.nanoTime() + 300_000_000_000L;
        while (System.nanoTime() < deadline) {
            JsonNode jobs = ok(daemon.cli("--json", "job-list", domain));
            if (jobs.path("jobs").isEmpty()) {
                return;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("the operation on " + domain + " did not end within 5 minutes");
    }

    static List<String> names(JsonNode snapshots) {
        List<String> out = new ArrayList<>();
        snapshots.forEach(s -> out.add(s.path("name").textValue()));
        return out;
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(s -> out.add(s.textValue()));
        return out;
    }
}
