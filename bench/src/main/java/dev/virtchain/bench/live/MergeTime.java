package dev.virtchain.bench.live;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.testing.TestDomain;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Benchmark 5: wall time of merging a {@value #LAYER_MIB} MiB layer into the base: virtchain
 * deleting the snapshot the base holds (its planner must commit the layer above, which is not
 * the active image, into the base) against {@code virsh blockcommit --top LAYER --base BASE
 * --wait} on a domain with the same chain. {@value #ROUNDS} rounds, order alternating, each on a
 * freshly written layer; the medians are compared.
 */
public final class MergeTime {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final long MIB = 1L << 20;
    static final int LAYER_MIB = 256;
    static final int ROUNDS = 5;
    private static final String DISK = "vda";

    private MergeTime() {
    }

    public static ObjectNode run(LiveHost host) throws InterruptedException {
        Virtchaind vc = host.daemon();
        try (TestDomain a = TestDomain.builder().diskMiB(512).create();
             TestDomain b = TestDomain.builder().diskMiB(512).create()) {
            host.adopt(a.name());
            Path dir = host.newDirectory("merge-events");
            try (BlockJobEvents ea = BlockJobEvents.follow(a.name(), dir.resolve("a.events"));
                 BlockJobEvents eb = BlockJobEvents.follow(b.name(), dir.resolve("b.events"))) {
                return rounds(host, vc, a, b, ea, eb);
            }
        }
    }

    private static ObjectNode rounds(LiveHost host, Virtchaind vc, TestDomain a, TestDomain b, BlockJobEvents ea,
                                     BlockJobEvents eb) {
        QemuProcess qa = QemuProcess.of(a.name());
        QemuProcess qb = QemuProcess.of(b.name());
        String bBase = b.basePath(DISK).toString();
        vc.cli("snapshot-create", a.name(), "m0");
        String bLayer = snapshotByHand(b, 0);
        List<Double> vcSeconds = new ArrayList<>();
        List<Double> virshSeconds = new ArrayList<>();
        ArrayNode rounds = JSON.arrayNode();
        for (int r = 1; r <= ROUNDS; r++) {
            a.write(DISK, 0x40 + r, "0", LAYER_MIB + "M");
            b.write(DISK, 0x40 + r, "0", LAYER_MIB + "M");
            vc.cli("snapshot-create", a.name(), "m" + r);
            String frozen = bLayer;
            bLayer = snapshotByHand(b, r);
            a.flush(DISK);
            b.flush(DISK);
            ObjectNode round = rounds.addObject();
            String previous = "m" + (r - 1);
            Runnable virtchain = () -> {
                long before = qa.bytesWritten();
                Instant at = Instant.now();
                Virtchaind.CliResult del = vc.cli("snapshot-delete", a.name(), previous);
                round.put("virtchainSeconds", Stats.round(del.millis() / 1000, 3));
                // Where the time went, from the daemon's log (absent if its wording changes).
                ObjectNode when = round.putObject("virtchainFromLogSeconds");
                when.put("operationStarted", Stats.round(vc.secondsToLogLine(at, "on " + a.name() + ":",
                        "delete snapshots " + previous), 3));
                when.put("jobEnded", Stats.round(vc.secondsToLogLine(at, "on " + a.name() + "/" + DISK,
                        "ended"), 3));
                round.put("virtchainJobCompletedEventSeconds", Stats.round(ea.secondsToEvent(at, "completed"), 3));
                round.put("virtchainBytes", qa.bytesWritten() - before);
                round.put("virtchainSteps", NewestDelete.stepKinds(del));
                vcSeconds.add(del.millis() / 1000);
            };
            Runnable virsh = () -> {
                long before = qb.bytesWritten();
                Instant at = Instant.now();
                Command c = Virsh.run("blockcommit", b.name(), DISK, "--top", frozen, "--base", bBase, "--wait");
                round.put("virshSeconds", Stats.round(c.seconds(), 3));
                round.put("virshBytes", qb.bytesWritten() - before);
                round.put("virshJobCompletedEventSeconds", Stats.round(eb.secondsToEvent(at, "completed"), 3));
                virshSeconds.add(c.seconds());
            };
            if (r % 2 == 1) {
                virtchain.run();
                virsh.run();
            } else {
                virsh.run();
                virtchain.run();
            }
            host.progress().say(String.format("  5: round %d: virtchain %.2f s, virsh blockcommit --wait %.2f s", r,
                    round.get("virtchainSeconds").asDouble(), round.get("virshSeconds").asDouble()));
        }
        double vcMedian = Stats.median(vcSeconds);
        double virshMedian = Stats.median(virshSeconds);
        ObjectNode out = JSON.objectNode();
        out.put("layerBytes", LAYER_MIB * MIB);
        out.put("rounds", ROUNDS);
        out.set("perRound", rounds);
        out.put("virtchainMedianSeconds", Stats.round(vcMedian, 3));
        out.put("virshMedianSeconds", Stats.round(virshMedian, 3));
        out.put("ratio", vcMedian / virshMedian);
        out.put("target", "median virtchain <= 1.05 x median virsh blockcommit --wait");
        out.put("met", vcMedian <= 1.05 * virshMedian);
        // What virtchain adds after the work: from libvirt's job-completed event to the CLI's exit
        // (the watcher's notice, the chain check, the ledger's writes, the unlink, the answer).
        List<Double> tails = new ArrayList<>();
        for (JsonNode round : rounds) {
            tails.add(round.path("virtchainSeconds").asDouble() - round.path("virtchainJobCompletedEventSeconds").asDouble());
        }
        double tailMs = Stats.median(tails) * 1000;
        out.put("tailMedianMs", Stats.round(tailMs, 1));
        out.put("tailTarget", "median job-completed event to CLI exit <= 50 ms");
        out.put("tailMet", tailMs <= 50);
        return out;
    }

    /** {@code virsh snapshot-create-as --disk-only --no-metadata --atomic} onto a named overlay. */
    private static String snapshotByHand(TestDomain d, int n) {
        Path overlay = d.dir().resolve("layer-" + n + ".qcow2");
        d.externalSnapshot(Map.of(DISK, overlay));
        return overlay.toString();
    }
}
