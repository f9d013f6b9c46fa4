package dev.virtchain.daemon.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import org.libvirt.Domain;

/**
 * The other commands end to end through {@code bin/virtchain}: status, domains, chain, du,
 * export, clone, flatten, blockcopy, job-abort and the policy commands with prune.
 */
@Timeout(900)
class MoreCommandsIT {
    /** Members protocol.md documented for status before JSON.md's shape; kept for version-1 clients. */
    static final List<String> STATUS_V1_MEMBERS = List.of("version", "pid", "phase", "startedAt", "uptimeSeconds",
            "connect", "stateDir", "socket");

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

    private static JsonNode ok(String... args) throws Exception {
        return daemon.ok(args);
    }

    private static JsonNode error(String code, String... args) throws Exception {
        return daemon.error(code, args);
    }

    @Test
    void statusDomainsChainAndDu() throws Exception {
        try (TestDomain dom = TestDomain.builder().create()) {
            String d = dom.name();
            ok("--json", "adopt", d);
            dom.write("vda", 0x11, "0", "2M");
            ok("--json", "snapshot-create", d, "a");
            dom.write("vda", 0x22, "4M", "1M");
            ok("--json", "snapshot-create", d, "b");

            JsonNode status = ok("--json", "status");
            com.fasterxml.jackson.databind.node.ObjectNode json = status.deepCopy();
            ((com.fasterxml.jackson.databind.node.ObjectNode) json.get("recovery"))
                    .remove(List.of("finishedAt", "completed", "rolledBack", "unresolved"));
            json.withArray("policies").forEach(p -> ((com.fasterxml.jackson.databind.node.ObjectNode) p)
                    .remove(List.of("policy", "lastSuccess", "lastFailure", "lastFailureMessage", "running")));
            Shape.assertSameShapeBesides(Shape.reply("status.json"), json, STATUS_V1_MEMBERS);
            assertTrue(status.at("/libvirt/connected").booleanValue(), status.toString());
            assertEquals("ready", status.path("phase").textValue());

            JsonNode domains = ok("--json", "domains");
            Shape.assertSameShape(Shape.reply("domains.json"), domains);
            JsonNode mine = null;
            for (JsonNode x : domains.path("domains")) {
                if (x.path("name").textValue().equals(d)) {
                    mine = x;
                }
            }
            assertTrue(mine != null, domains.toString());
            assertEquals("running", mine.path("state").textValue());
            assertEquals(2, mine.path("snapshots").asInt());
            assertEquals(3, mine.at("/disks/0/depth").asInt());

            JsonNode chain = ok("--json", "chain", d);
            Shape.assertSameShape(Shape.reply("chain.json"), chain);
            JsonNode images = chain.at("/disks/0/images");
            assertEquals(3, images.size());
            assertEquals(dom.basePath("vda").toString(), images.at("/0/file").textValue());
            assertTrue(images.at("/0/backing").isNull());
            assertEquals(List.of("a"), SnapshotCommandsIT.strings(images.at("/0/snapshots")));
            assertEquals(List.of("b"), SnapshotCommandsIT.strings(images.at("/1/snapshots")));
            assertTrue(images.at("/2/active").booleanValue());
            assertEquals(64L << 20, images.at("/0/virtualSize").asLong());
            assertTrue(images.at("/0/size").asLong() >= 2L << 20, chain.toString());
            ok("--json", "chain", d, "vda");
            error("UNKNOWN_DISK", "--json", "chain", d, "vdz");

            JsonNode du = ok("--json", "du", d);
            Shape.assertSameShape(Shape.reply("du.json"), du);
            assertEquals(2L << 20, du.at("/snapshots/0/exclusiveBytes").asLong(), du.toString());
            assertEquals(1L << 20, du.at("/snapshots/1/exclusiveBytes").asLong(), du.toString());
            assertTrue(du.path("totalBytes").asLong() >= 3L << 20, du.toString());
            assertFalse(du.at("/snapshots/0/deleteHow").textValue().isEmpty());
        }
    }

    @Test
    void exportFullAndSince() throws Exception {
        try (TestDomain dom = TestDomain.builder().create()) {
            String d = dom.name();
            ok("--json", "adopt", d);
            dom.write("vda", 0x31, "0", "1M");
            ok("--json", "snapshot-create", d, "e1");
            dom.write("vda", 0x32, "2M", "1M");
            JsonNode e2 = ok("--json", "snapshot-create", d, "e2");
            String e2Digest = ImageContent.digest(Path.of(e2.at("/snapshot/disks/0/file").textValue()));

            Path full = daemon.exports().resolve(d + "-e2.qcow2");
            JsonNode done = ok("--json", "export", d, "e2", full.toString());
            Shape.assertSameShape(Shape.reply("export-done.json"), done);
            assertTrue(done.path("since").isNull());
            assertEquals(Files.size(full), done.path("bytes").asLong());
            assertEquals(e2Digest, ImageContent.digest(full));

            Path diff = daemon.exports().resolve(d + "-e1-e2.qcow2");
            JsonNode since = ok("--json", "export", d, "e2", diff.toString(), "--since", "e1");
            assertEquals("e1", since.path("since").textValue());
            assertEquals(e2Digest, ImageContent.digest(diff), "the diff on e1's holder shows e2");

            error("REFUSED", "--json", "export", d, "e2", full.toString());
            error("UNKNOWN_SNAPSHOT", "--json", "export", d, "nope", daemon.exports().resolve(d + "-x.qcow2").toString());
        }
    }

    @Test
    void cloneAndFlatten() throws Exception {
        try (TestDomain dom = TestDomain.builder().running(false).create()) {
            String d = dom.name();
            ok("--json", "adopt", d);
            ok("--json", "snapshot-create", d, "c1");
            String clone = d + "-clone";
            try {
                JsonNode done = ok("--json", "clone", d, "c1", clone);
                Shape.assertSameShape(Shape.reply("clone-done.json"), done);
                assertEquals(clone, done.path("newDomain").textValue());
                assertEquals("c1", done.path("protected").textValue());
                JsonNode info = ok("--json", "snapshot-info", d, "c1");
                Shape.assertSameShape(Shape.reply("snapshot-info.json"), info);
                assertTrue(info.path("protected").booleanValue());
                assertEquals(List.of(clone), SnapshotCommandsIT.strings(info.path("clones")));
                JsonNode refused = error("REFUSED", "--json", "snapshot-delete", d, "c1");
                assertEquals("c1", refused.path("snapshot").textValue());
                error("REFUSED", "--json", "clone", d, "c1", clone);
            } finally {
                undefine(dom, clone);
            }

            JsonNode flat = ok("--json", "flatten", d, "vda");
            Shape.assertSameShape(Shape.reply("flatten-done.json"), flat);
            assertEquals("vda", flat.path("disk").textValue());
            JsonNode chain = ok("--json", "chain", d, "vda");
            String active = chain.at("/disks/0/active").textValue();
            for (JsonNode image : chain.at("/disks/0/images")) {
                if (image.path("file").textValue().equals(active)) {
                    assertTrue(image.path("backing").isNull(), chain.toString());
                }
            }
        }
    }

    @Test
    void blockcopyWithAndWithoutPivot() throws Exception {
        try (TestDomain dom = TestDomain.builder().create()) {
            String d = dom.name();
            ok("--json", "adopt", d);
            dom.write("vda", 0x41, "0", "1M");

            Path copy = daemon.copies().resolve(d + "-copy.qcow2");
            JsonNode plain = ok("--json", "blockcopy", d, "vda", copy.toString());
            Shape.assertSameShape(Shape.reply("blockcopy-done.json"), plain);
            assertFalse(plain.path("pivoted").booleanValue());
            assertEquals(ImageContent.digest(dom.basePath("vda")), ImageContent.digest(copy));
            assertEquals(List.of(dom.basePath("vda")), dom.chain("vda"));

            Path moved = daemon.copies().resolve(d + "-moved.qcow2");
            JsonNode pivoted = ok("--json", "blockcopy", d, "vda", moved.toString(), "--pivot");
            assertTrue(pivoted.path("pivoted").booleanValue());
            assertEquals(List.of(moved), dom.chain("vda"));
            assertEquals(moved.toString(), ok("--json", "chain", d).at("/disks/0/active").textValue());

            // Snapshots on the disk: a full copy cannot pivot, a shallow one can.
            ok("--json", "snapshot-create", d, "p1");
            JsonNode refused = error("REFUSED", "--json", "blockcopy", d, "vda", daemon.copies().resolve(d + "-no.qcow2").toString(),
                    "--pivot");
            assertTrue(refused.path("message").textValue().contains("p1"), refused.toString());
            assertFalse(Files.exists(daemon.copies().resolve(d + "-no.qcow2")));
            Path shallow = daemon.copies().resolve(d + "-shallow.qcow2");
            Path replaced = dom.chain("vda").get(0);
            // The disk grows after p1: the copy stands in for the active image, not its backing file.
            org.libvirt.Domain live = dom.connection().domainLookupByName(d);
            long grown = live.blockInfo("vda").getCapacity() + (16L << 20);
            live.blockResize("vda", grown, 1 /* VIR_DOMAIN_BLOCK_RESIZE_BYTES */);
            JsonNode planned = ok("--json", "blockcopy", d, "vda", shallow.toString(), "--shallow", "--pivot",
                    "--dry-run");
            assertEquals("planned", planned.path("state").textValue(), planned.toString());
            List<String> kinds = new java.util.ArrayList<>();
            planned.at("/plan/steps").forEach(st -> kinds.add(st.path("kind").textValue()));
            assertEquals(List.of("create-copy-target", "copy", "pivot", "ledger", "unlink"), kinds, planned.toString());
            assertFalse(Files.exists(shallow), "a dry run creates nothing");
            JsonNode done = ok("--json", "blockcopy", d, "vda", shallow.toString(), "--shallow", "--pivot");
            assertEquals(List.of(shallow, moved), dom.chain("vda"));
            assertEquals(grown, live.blockInfo("vda").getCapacity(), "the guest still sees the grown disk");
            assertEquals(replaced.toString(), done.at("/removed/0").textValue(), done.toString());
            assertFalse(Files.exists(replaced), "the active image the copy replaced is removed");
            JsonNode list = ok("--json", "snapshot-list", d);
            assertEquals(moved.toString(), list.at("/snapshots/0/disks/0/file").textValue());
            ok("--json", "snapshot-create", d, "p2");
            ok("--json", "snapshot-delete", d, "p1");
        }
    }

    @Test
    void jobAbortRollsTheDeleteBack() throws Exception {
        try (TestDomain dom = TestDomain.builder().create()) {
            String d = dom.name();
            ok("--json", "adopt", d);
            ok("--json", "snapshot-create", d, "j1");
            dom.write("vda", 0x51, "0", "16M");
            ok("--json", "snapshot-create", d, "j2");
            dom.write("vda", 0x52, "32M", "16M");
            JsonNode started = ok("--json", "snapshot-delete", d, "j2", "--no-wait", "--bandwidth", "1");
            assertEquals("started", started.path("state").textValue(), started.toString());
            String disk = started.at("/jobs/0/disk").textValue();

            JsonNode aborted = ok("--json", "job-abort", d, disk);
            Shape.assertSameShape(Shape.reply("job-abort.json"), aborted);
            assertEquals("aborting", aborted.at("/job/state").textValue(), aborted.toString());
            assertTrue(aborted.path("rolledBack").booleanValue(), aborted.toString());
            SnapshotCommandsIT.awaitNoJobs(daemon, d);
            // Consistent again: either nothing happened, or j2 is gone from view and its file stays
            // as a tombstone until a later plan merges it (the planner records that before the job).
            List<String> left = SnapshotCommandsIT.names(ok("--json", "snapshot-list", d).path("snapshots"));
            if (!left.equals(List.of("j1", "j2"))) {
                assertEquals(List.of("j1"), left);
                boolean tombstone = false;
                for (JsonNode image : ok("--json", "chain", d).at("/disks/0/images")) {
                    tombstone |= image.path("tombstone").booleanValue();
                }
                assertTrue(tombstone, "j2's holder stays as a tombstone");
            }
            assertEquals(List.of(dom.basePath("vda")), List.of(Path.of(ok("--json", "snapshot-info", d, "j1")
                    .at("/disks/0/file").textValue())));

            JsonNode none = ok("--json", "job-abort", d, "vda");
            assertTrue(none.path("job").isNull());
            assertFalse(none.path("rolledBack").booleanValue());
        }
    }

    @Test
    void policiesAndPrune() throws Exception {
        try (TestDomain dom = TestDomain.builder().create()) {
            String d = dom.name();
            ok("--json", "adopt", d);
            JsonNode bad = error("INVALID_ARGUMENT", "--json", "policy-set", d, "--schedule", "every tuesday");
            assertTrue(bad.path("message").textValue().contains("schedule"), bad.toString());
            assertTrue(ok("--json", "policy-show", d).path("policy").isNull());

            // Fires every 3 s and keeps everything, to make a few policy snapshots.
            JsonNode set = ok("--json", "policy-set", d, "--schedule", "*/3 * * * * ?", "--keep-last", "100");
            Shape.assertSameShape(Shape.reply("policy-show.json"), set);
            assertEquals(100, set.at("/policy/keep/last").asInt());
            assertTrue(set.at("/policy/keep/daily").isNull());
            assertTrue(set.at("/policy/nextRun").isTextual(), "the schedule was re-assigned: " + set);
            List<String> made = daemon.policySnapshots(d);
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (made.size() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(1000);
                made = daemon.policySnapshots(d);
            }
            assertTrue(made.size() >= 3, made.toString());

            // Now once a year, keeping one: prune has something to do.
            ok("--json", "policy-set", d, "--schedule", "0 0 3 1 1 ?", "--keep-last", "1");
            SnapshotCommandsIT.awaitNoJobs(daemon, d);
            JsonNode shown = ok("--json", "policy-show", d);
            assertEquals(1, shown.at("/policy/keep/last").asInt());
            assertEquals("ok", shown.at("/policy/lastOutcome").textValue(), shown.toString());
            JsonNode status = ok("--json", "status");
            boolean listed = false;
            for (JsonNode p : status.path("policies")) {
                listed |= d.equals(p.path("domain").textValue());
            }
            assertTrue(listed, status.toString());

            made = daemon.policySnapshots(d);
            JsonNode planned = ok("--json", "prune", d, "--dry-run");
            Shape.assertSameShape(Shape.reply("prune-planned.json"), planned);
            assertEquals(made.size() - 1, planned.path("deleted").size(), planned.toString());
            assertEquals(List.of(made.get(made.size() - 1)), SnapshotCommandsIT.strings(planned.path("kept")));
            JsonNode pruned = ok("--json", "prune", d);
            assertEquals("done", pruned.path("state").textValue());
            assertEquals(1, daemon.policySnapshots(d).size());

            assertTrue(ok("--json", "policy-remove", d).path("removed").booleanValue());
            JsonNode again = ok("--json", "policy-remove", d);
            Shape.assertSameShape(Shape.reply("policy-remove.json"), again);
            assertFalse(again.path("removed").booleanValue());
            assertTrue(ok("--json", "policy-show", d).path("policy").isNull());
            error("REFUSED", "--json", "prune", d);
        }
    }

    private static void undefine(TestDomain dom, String name) {
        try {
            Domain c = dom.connection().domainLookupByName(name);
            c.undefine();
        } catch (Exception e) {
            // not defined: nothing to clean up
        }
    }

    static Map<String, Object> none() {
        return Map.of();
    }
}
