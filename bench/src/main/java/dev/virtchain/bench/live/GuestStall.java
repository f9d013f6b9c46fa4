package dev.virtchain.bench.live;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.testing.GuestRecords;
import dev.virtchain.testing.RealGuest;
import dev.virtchain.testing.TestDomain;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Benchmark 11: how long a running guest's I/O stalls around a snapshot. A Linux guest
 * (test-support's {@link RealGuest}) appends a synced record to each of two ext4 disks in turn and
 * stamps each with its uptime (10 ms resolution). Around each snapshot the longest pause between
 * consecutive records near the point in time, less the guest's median interval, is the stall
 * the guest saw. {@value #ROUNDS} snapshots alternate quiesced and crash-consistent, on one
 * guest through {@code virtchain snapshot-create --quiesce yes|no}, then on a second guest
 * through {@code virsh snapshot-create-as --disk-only --no-metadata --atomic [--quiesce]}; the
 * guests run one after the other, so neither slows the other down.
 */
public final class GuestStall {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    static final int ROUNDS = 8;
    /** Records on each side of a snapshot's point in time whose gaps count. */
    static final int WINDOW = 4;
    private static final Duration WAIT = Duration.ofSeconds(120);

    private GuestStall() {
    }

    /** A snapshot taken: whether quiesced, and the holder of vda that shows where it fell in the records. */
    private record Taken(boolean quiesced, Path holder) {}

    public static ObjectNode run(LiveHost host) throws InterruptedException {
        Virtchaind vc = host.daemon();
        List<Double> vcQuiesced = new ArrayList<>();
        List<Double> vcCrash = new ArrayList<>();
        List<Double> virshQuiesced = new ArrayList<>();
        List<Double> virshCrash = new ArrayList<>();
        double vcInterval;
        double virshInterval;
        try (RealGuest guest = RealGuest.builder().disks(2).create()) {
            host.adopt(guest.name());
            List<Taken> taken = new ArrayList<>();
            for (int i = 1; i <= ROUNDS; i++) {
                guest.awaitMoreRecords(20, WAIT);
                boolean quiesce = i % 2 == 1;
                JsonNode s = vc.cli("snapshot-create", guest.name(), "stall-" + i, "--quiesce", quiesce ? "yes" : "no")
                        .data().path("snapshot");
                taken.add(new Taken(quiesce, Path.of(s.path("disks").get(0).path("file").textValue())));
            }
            guest.awaitMoreRecords(20, WAIT);
            vcInterval = stalls(guest, taken, vcQuiesced, vcCrash);
        }
        try (RealGuest guest = RealGuest.builder().disks(2).create()) {
            TestDomain dom = guest.domain();
            List<Taken> taken = new ArrayList<>();
            for (int i = 1; i <= ROUNDS; i++) {
                guest.awaitMoreRecords(20, WAIT);
                boolean quiesce = i % 2 == 1;
                Path holder = dom.activeImage("vda");
                List<String> args = new ArrayList<>(List.of("snapshot-create-as", dom.name(), "stall-" + i,
                        "--disk-only", "--no-metadata", "--atomic",
                        "--diskspec", "vda,file=" + dom.dir().resolve("vda.stall-" + i + ".qcow2"),
                        "--diskspec", "vdb,file=" + dom.dir().resolve("vdb.stall-" + i + ".qcow2")));
                if (quiesce) {
                    args.add("--quiesce");
                }
                Virsh.run(args);
                taken.add(new Taken(quiesce, holder));
            }
            guest.awaitMoreRecords(20, WAIT);
            virshInterval = stalls(guest, taken, virshQuiesced, virshCrash);
        }
        double vcQ = Stats.median(vcQuiesced);
        double virshQ = Stats.median(virshQuiesced);
        double vcC = Stats.median(vcCrash);
        double virshC = Stats.median(virshCrash);
        host.progress().say(String.format("  11: median stall quiesced virtchain %.0f ms, virsh %.0f ms;"
                + " crash-consistent virtchain %.0f ms, virsh %.0f ms", vcQ, virshQ, vcC, virshC));
        ObjectNode out = JSON.objectNode();
        out.put("rounds", ROUNDS);
        out.put("virtchainQuiescedMedianMs", Stats.round(vcQ, 0));
        out.put("virshQuiescedMedianMs", Stats.round(virshQ, 0));
        out.put("virtchainCrashMedianMs", Stats.round(vcC, 0));
        out.put("virshCrashMedianMs", Stats.round(virshC, 0));
        out.put("quiescedRatio", virshQ > 0 ? vcQ / virshQ : 1.0);
        out.putPOJO("virtchainQuiescedMs", vcQuiesced);
        out.putPOJO("virshQuiescedMs", virshQuiesced);
        out.putPOJO("virtchainCrashMs", vcCrash);
        out.putPOJO("virshCrashMs", virshCrash);
        out.put("virtchainRecordIntervalMs", Stats.round(vcInterval, 0));
        out.put("virshRecordIntervalMs", Stats.round(virshInterval, 0));
        out.put("target", "quiesced stall <= 1.2 x virsh --quiesce, and < 500 ms");
        // The uptime stamps have 10 ms steps: within one step of virsh counts as equal.
        out.put("met", (vcQ <= 1.2 * virshQ || vcQ - virshQ <= 10) && vcQ < 500);
        return out;
    }

    /**
     * Stops the guest (every record was synced), reads all of vda's records from its active chain,
     * and adds each snapshot's stall to the list of its kind; returns the median record interval.
     */
    private static double stalls(RealGuest guest, List<Taken> taken, List<Double> quiesced, List<Double> crash) {
        TestDomain dom = guest.domain();
        Path active = dom.activeImage("vda");
        dom.stop();
        GuestRecords.PointInTime all = GuestRecords.crashConsistent(active, "qcow2", "vda");
        long[] t = all.centiseconds();
        long[] gaps = new long[t.length - 1];
        for (int i = 1; i < t.length; i++) {
            gaps[i - 1] = t[i] - t[i - 1];
        }
        long[] sorted = gaps.clone();
        Arrays.sort(sorted);
        double median = sorted[sorted.length / 2] * 10.0;
        for (Taken s : taken) {
            long last = s.quiesced() ? GuestRecords.clean(s.holder(), "qcow2", "vda").last()
                    : GuestRecords.crashConsistent(s.holder(), "qcow2", "vda").last();
            long worst = 0;
            // gaps[k] is between record k+1 and k+2; look at those around record `last`.
            for (long k = Math.max(0, last - 1 - WINDOW); k < Math.min(gaps.length, last - 1 + WINDOW); k++) {
                worst = Math.max(worst, gaps[(int) k]);
            }
            (s.quiesced() ? quiesced : crash).add(Math.max(0, worst * 10.0 - median));
        }
        return median;
    }
}
