package dev.virtchain.daemon.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.daemon.exec.OperationRunner;
import dev.virtchain.model.Consistency;
import dev.virtchain.model.Disk;
import dev.virtchain.model.DomainId;
import dev.virtchain.model.Image;
import dev.virtchain.model.ImageFormat;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.Origin;
import dev.virtchain.model.Snapshot;
import dev.virtchain.model.plan.AllocationFacts;
import dev.virtchain.model.plan.DomainState;
import dev.virtchain.model.plan.HostCapabilities;
import dev.virtchain.model.plan.Intent;
import dev.virtchain.model.plan.ObservedChains;
import dev.virtchain.model.plan.Plan;
import dev.virtchain.model.plan.Planner;
import dev.virtchain.model.plan.Situation;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The shapes built from a ledger and from real plans against the recorded replies the CLI's
 * renderers are tested with: same members, same order, same types.
 */
class ShapesTest {
    private static final String DIR = "/var/lib/libvirt/images/";
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-06-01T06:15:00Z"), ZoneOffset.UTC);

    /** web1: web1.qcow2 <- .1 <- .2 <- .3 (active); nightly-1, nightly-2, experiment. */
    static Ledger web1() {
        Disk vda = new Disk("vda", List.of(Image.base(DIR + "web1.qcow2", ImageFormat.QCOW2),
                Image.overlay(DIR + "web1.qcow2.1", DIR + "web1.qcow2"),
                Image.overlay(DIR + "web1.qcow2.2", DIR + "web1.qcow2.1"),
                Image.overlay(DIR + "web1.qcow2.3", DIR + "web1.qcow2.2")), DIR + "web1.qcow2.3");
        Ledger l = Ledger.of(new DomainId("web1", "6f1c5a6e-0000-4000-8000-000000000001"), List.of(vda));
        l = l.withSnapshot(Snapshot.of("nightly-1", Instant.parse("2025-05-30T02:00:00Z"), null,
                Map.of("vda", DIR + "web1.qcow2"), Consistency.QUIESCED, Origin.policy("nightly"), null));
        l = l.withSnapshot(Snapshot.of("nightly-2", Instant.parse("2025-05-31T02:00:00Z"), "nightly-1",
                Map.of("vda", DIR + "web1.qcow2.1"), Consistency.QUIESCED, Origin.policy("nightly"), null));
        l = l.withSnapshot(Snapshot.of("experiment", Instant.parse("2025-05-31T07:30:00Z"), "nightly-2",
                Map.of("vda", DIR + "web1.qcow2.2"), Consistency.CRASH, Origin.manual(), "try the new kernel"));
        return l.withCurrent("experiment").withNextImageSeq(4).requireValid();
    }

    static final AllocationFacts FACTS = new AllocationFacts() {
        @Override
        public long allocatedBytes(String image) {
            return 100L << 20;
        }

        @Override
        public long bytesPullWouldCopy(String image, String base) {
            return 200L << 20;
        }
    };

    static Plan plan(Ledger l, Intent intent, DomainState state) {
        return new Planner(CLOCK, HostCapabilities.DEFAULT).plan(intent,
                new Situation(l, ObservedChains.of(l), FACTS, state));
    }

    @Test
    void snapshotListHasTheRecordedShape() {
        JsonNode list = SnapshotListCommand.list(web1());
        Shape.assertSameShape(Shape.reply("snapshot-list.json"), list);
        assertEquals("experiment", list.path("current").textValue());
        assertEquals("policy", list.at("/snapshots/0/origin").textValue());
        assertEquals(DIR + "web1.qcow2.1", list.at("/snapshots/1/disks/0/file").textValue());
        assertEquals("2025-05-30T02:00:00Z", list.at("/snapshots/0/created").textValue());
    }

    @Test
    void deletePlansHaveTheRecordedShape() {
        Ledger l = web1();
        for (DomainState state : DomainState.values()) {
            for (List<String> names : List.of(List.of("nightly-1"), List.of("nightly-2"), List.of("experiment"),
                    List.of("nightly-1", "nightly-2"))) {
                Plan p = plan(l, new Intent.Delete(new java.util.LinkedHashSet<>(names)), state);
                ObjectNode planned = Shapes.operation("snapshot-delete", "web1", "planned");
                Shapes.strings(planned.putArray("deleted"), names);
                planned.set("plan", Shapes.plan(p));
                Shape.assertSameShape(Shape.reply("delete-planned.json"), planned);

                ObjectNode done = SnapshotDeleteCommand.done("web1", names, new OperationRunner.Result("op-1", p,
                        p.after(), true));
                Shape.assertSameShape(Shape.reply("delete-done.json"), done);
                for (JsonNode step : planned.at("/plan/steps")) {
                    assertTrue(step.path("description").textValue().length() > 5, step.toString());
                }
            }
        }
    }

    @Test
    void aRangeCommitIsDescribedAsOneJob() {
        Plan p = plan(web1(), Intent.Delete.of("nightly-1", "nightly-2"), DomainState.RUNNING);
        JsonNode plan = Shapes.plan(p);
        JsonNode first = plan.at("/steps/0");
        if ("commit".equals(first.path("kind").textValue())) {
            assertEquals("commit web1.qcow2.1 and web1.qcow2.2 into web1.qcow2 (one job)",
                    first.path("description").textValue());
        }
        assertEquals(p.estimatedBytes(), plan.path("bytes").asLong());
        assertTrue(plan.path("ledgerAfter").isObject(), plan.toString());
    }

    @Test
    void revertResultsHaveTheRecordedShape() {
        Ledger l = web1();
        Plan p = plan(l, new Intent.Revert("nightly-1", true), DomainState.RUNNING);
        String saved = SnapshotRevertCommand.savedAs(p);
        assertTrue(saved.startsWith("pre-revert-nightly-1-"), saved);
        ObjectNode done = Shapes.operation("snapshot-revert", "web1", "done");
        done.put("savedAs", saved);
        done.put("bytesCopied", 0L);
        done.putArray("removed");
        done.put("revertedTo", "nightly-1");
        done.set("plan", Shapes.plan(p));
        Shape.assertSameShape(Shape.reply("revert-done.json"), done);
        // The kept state lists as origin "revert".
        JsonNode list = SnapshotListCommand.list(p.after());
        JsonNode kept = list.at("/snapshots/3");
        assertEquals(saved, kept.path("name").textValue());
        assertEquals("revert", kept.path("origin").textValue());
        assertEquals("nightly-1", list.path("current").textValue());
    }

    @Test
    void pruneOfSeveralPoliciesIsOnePlanShape() {
        Ledger l = web1();
        Plan a = plan(l, Intent.Delete.of("nightly-1"), DomainState.SHUT_OFF);
        Plan b = plan(l, Intent.Delete.of("experiment"), DomainState.SHUT_OFF);
        ObjectNode planned = Shapes.operation("prune", "web1", "planned");
        Shapes.strings(planned.putArray("deleted"), List.of("nightly-1"));
        Shapes.strings(planned.putArray("kept"), List.of("nightly-2"));
        planned.set("plan", PruneCommand.merged(List.of(a, b)));
        Shape.assertSameShape(Shape.reply("prune-planned.json"), planned);
        assertEquals(a.estimatedBytes() + b.estimatedBytes(), planned.at("/plan/bytes").asLong());
        planned.set("plan", PruneCommand.merged(List.of()));
        Shape.assertSameShape(Shape.reply("prune-planned.json"), planned);
    }

    @Test
    void chainInfoDuDomainsAdoptAndPolicyHaveTheRecordedShapes() throws Exception {
        Ledger l = web1();
        JsonNode chain = ChainCommand.chain(l, null, file -> new dev.virtchain.libvirt.image.ImageInfo(
                java.nio.file.Path.of(file), "qcow2", 20L << 30, 1L << 20, 65536, null, null, null, false, false));
        Shape.assertSameShape(Shape.reply("chain.json"), chain);
        assertEquals(DIR + "web1.qcow2", chain.at("/disks/0/images/0/file").textValue());
        assertTrue(chain.at("/disks/0/images/3/active").booleanValue());
        assertEquals("experiment", chain.at("/disks/0/images/2/snapshots/0").textValue());

        JsonNode info = SnapshotInfoCommand.info(l, l.requireSnapshot("nightly-2"), file -> 20L << 30);
        Shape.assertSameShape(Shape.reply("snapshot-info.json"), info);
        assertEquals(List.of("experiment"), SnapshotCommandsIT.strings(info.path("children")));
        assertEquals(false, info.path("current").booleanValue());

        JsonNode du = DuCommand.du(l, name -> plan(l, Intent.Delete.of(name), DomainState.RUNNING),
                file -> 1L << 20, file -> 2L << 20);
        Shape.assertSameShape(Shape.reply("du.json"), du);
        assertEquals(4L * (2L << 20), du.path("totalBytes").asLong());
        assertEquals(2L << 20, du.path("activeBytes").asLong());

        com.fasterxml.jackson.databind.node.ObjectNode domains = (com.fasterxml.jackson.databind.node.ObjectNode)
                Json0.wrap("domains", DomainsCommand.managed(l, "running", "0 0 2 * * ?", "manage = all"));
        domains.putArray("unmanaged").add(DomainsCommand.unmanaged("scratch", "shut off",
                "excluded by manage-exclude 'scratch'"));
        Shape.assertSameShape(Shape.reply("domains.json"), domains);

        Ledger adopted = l.withSnapshotReplaced(l.requireSnapshot("nightly-1").withParent(null));
        JsonNode a = AdoptCommand.adopted(adopted);
        assertTrue(a.path("snapshots").isEmpty(), "only adopted snapshots are listed");

        dev.virtchain.daemon.config.Policy policy = new dev.virtchain.daemon.config.Policy("nightly",
                new dev.virtchain.daemon.config.DomainPattern("web*"),
                dev.virtchain.daemon.config.CronSchedule.parse("0 0 2 * * ?"), dev.virtchain.daemon.config.Quiesce.AUTO,
                new dev.virtchain.daemon.config.Retention(3, 0, 7, 4, 0, 0), 10);
        var runs = new dev.virtchain.daemon.schedule.AssignmentStatus("nightly", "web1", "0 0 2 * * ?",
                Instant.parse("2025-06-02T02:00:00Z"), Instant.parse("2025-06-01T02:00:00Z"), null,
                Instant.parse("2025-06-01T02:00:00Z"), "guest agent did not answer", false);
        ObjectNode shown = dev.virtchain.daemon.control.Json.object();
        shown.put("domain", "web1");
        shown.set("policy", PolicyCommands.policy(policy, runs));
        Shape.assertSameShape(Shape.reply("policy-show.json"), shown);
        assertEquals("failed", shown.at("/policy/lastOutcome").textValue());
        assertTrue(shown.at("/policy/keep/hourly").isNull());
        assertEquals(7, shown.at("/policy/keep/daily").asInt());
    }

    /** A list of one element under a key, as a command's result. */
    private static final class Json0 {
        static JsonNode wrap(String key, JsonNode element) {
            ObjectNode o = dev.virtchain.daemon.control.Json.object();
            o.putArray(key).add(element);
            return o;
        }
    }
}
