package dev.virtchain.bench.live;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.xml.XmlMapper;
import dev.virtchain.testing.TestDomain;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.libvirt.Domain;
import org.libvirt.DomainSnapshot;
import org.libvirt.LibvirtException;

/**
 * Benchmark 4: wall time of {@code virtchain snapshot-create} against
 * {@code virsh snapshot-create-as --disk-only --no-metadata --atomic}, each on its own running
 * domain, in {@value #PAIRS} pairs whose order alternates, after one warm-up of each. Both are
 * whole command runs, from fork to exit.
 *
 * <p>Then the daemon's part alone against libvirt's call alone, {@value #PAIRS} pairs again: a
 * {@code snapshot-create} request sent straight on the daemon's socket (request to answer), and
 * {@code virDomainSnapshotCreateXML} with virsh's flags called from this process on the second
 * domain, whose connection is open already.
 */
public final class SnapshotCreate {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final XmlMapper XML = new XmlMapper();
    /** What {@code virsh snapshot-create-as --disk-only --no-metadata --atomic} asks for. */
    private static final int VIRSH_FLAGS = Domain.SnapshotCreateFlags.DISK_ONLY
            | Domain.SnapshotCreateFlags.NO_METADATA | Domain.SnapshotCreateFlags.ATOMIC;
    static final int PAIRS = 20;

    private SnapshotCreate() {
    }

    public static ObjectNode run(LiveHost host) throws InterruptedException {
        Virtchaind vc = host.daemon();
        try (TestDomain a = TestDomain.builder().create(); TestDomain b = TestDomain.builder().create()) {
            host.adopt(a.name());
            vc.cli("snapshot-create", a.name(), "warm-up");
            Virsh.run("snapshot-create-as", b.name(), "warm-up", "--disk-only", "--no-metadata", "--atomic");
            List<Double> vcMs = new ArrayList<>();
            List<Double> virshMs = new ArrayList<>();
            // From the daemon's log, per run: the operation recorded, its overlay made (the
            // snapshot step begins), the operation done; the CLI's exit is the run's wall time.
            List<Double> toRecorded = new ArrayList<>();
            List<Double> overlay = new ArrayList<>();
            List<Double> snapshotAndLedger = new ArrayList<>();
            List<Double> answerAndExit = new ArrayList<>();
            for (int i = 1; i <= PAIRS; i++) {
                String name = "c" + i;
                if (i % 2 == 1) {
                    Instant at = Instant.now();
                    vcMs.add(vc.cli("snapshot-create", a.name(), name).millis());
                    phases(vc, at, a.name(), name, vcMs.get(vcMs.size() - 1), toRecorded, overlay, snapshotAndLedger,
                            answerAndExit);
                    virshMs.add(virsh(b, name));
                } else {
                    virshMs.add(virsh(b, name));
                    Instant at = Instant.now();
                    vcMs.add(vc.cli("snapshot-create", a.name(), name).millis());
                    phases(vc, at, a.name(), name, vcMs.get(vcMs.size() - 1), toRecorded, overlay, snapshotAndLedger,
                            answerAndExit);
                }
            }
            List<Double> daemonMs = new ArrayList<>();
            List<Double> libvirtMs = new ArrayList<>();
            for (int i = 1; i <= PAIRS; i++) {
                if (i % 2 == 1) {
                    daemonMs.add(daemonSide(vc, a, "d" + i));
                    libvirtMs.add(libvirtAlone(b, "l" + i));
                } else {
                    libvirtMs.add(libvirtAlone(b, "l" + i));
                    daemonMs.add(daemonSide(vc, a, "d" + i));
                }
            }
            double daemonMedian = Stats.median(daemonMs);
            double libvirtMedian = Stats.median(libvirtMs);
            host.progress().say(String.format("  4: daemon side %.0f ms, libvirt's call alone %.0f ms (%.2fx)",
                    daemonMedian, libvirtMedian, daemonMedian / libvirtMedian));
            double vcMedian = Stats.median(vcMs);
            double virshMedian = Stats.median(virshMs);
            host.progress().say(String.format("  4: median virtchain %.0f ms, virsh %.0f ms (%.2fx)", vcMedian,
                    virshMedian, vcMedian / virshMedian));
            ObjectNode out = JSON.objectNode();
            out.put("pairs", PAIRS);
            out.put("virtchainMedianMs", Stats.round(vcMedian, 1));
            out.put("virtchainP90Ms", Stats.round(Stats.percentile(vcMs, 90), 1));
            out.put("virshMedianMs", Stats.round(virshMedian, 1));
            out.put("virshP90Ms", Stats.round(Stats.percentile(virshMs, 90), 1));
            out.put("ratio", vcMedian / virshMedian);
            out.putPOJO("virtchainMs", vcMs.stream().map(v -> Stats.round(v, 1)).toList());
            out.putPOJO("virshMs", virshMs.stream().map(v -> Stats.round(v, 1)).toList());
            if (!overlay.isEmpty()) {
                ObjectNode phases = out.putObject("phasesMedianMs");
                phases.put("cliStartToOperationRecorded", Stats.round(Stats.median(toRecorded), 1));
                phases.put("overlayCreated", Stats.round(Stats.median(overlay), 1));
                phases.put("snapshotAndLedger", Stats.round(Stats.median(snapshotAndLedger), 1));
                phases.put("answerAndCliExit", Stats.round(Stats.median(answerAndExit), 1));
                phases.put("runs", overlay.size());
            }
            out.put("daemonSideMedianMs", Stats.round(daemonMedian, 1));
            out.put("daemonSideP90Ms", Stats.round(Stats.percentile(daemonMs, 90), 1));
            out.put("libvirtCallMedianMs", Stats.round(libvirtMedian, 1));
            out.put("libvirtCallP90Ms", Stats.round(Stats.percentile(libvirtMs, 90), 1));
            out.put("daemonSideRatio", daemonMedian / libvirtMedian);
            out.put("daemonSideMet", daemonMedian <= 1.2 * libvirtMedian);
            out.put("target", "median virtchain <= 1.5 x median virsh");
            out.put("met", vcMedian <= 1.5 * virshMedian);
            return out;
        }
    }

    /** One run's phases from the daemon's log, in ms; a run whose lines are not all found is left out. */
    private static void phases(Virtchaind vc, Instant at, String domain, String name, double wallMs, List<Double> toRecorded,
                               List<Double> overlay, List<Double> snapshotAndLedger, List<Double> answerAndExit) {
        double recorded = vc.secondsToLogLine(at, "on " + domain + ": create snapshot " + name + " (");
        double snapshot = vc.secondsToLogLine(at, "TakeSnapshot[snapshot=" + name + ",");
        double done = vc.secondsToLogLine(at, "on " + domain + " done");
        if (recorded < 0 || snapshot < recorded || done < snapshot) {
            return;
        }
        toRecorded.add(recorded * 1000);
        overlay.add((snapshot - recorded) * 1000);
        snapshotAndLedger.add((done - snapshot) * 1000);
        answerAndExit.add(wallMs - done * 1000);
    }

    /** A snapshot-create request on the daemon's socket, as the CLI sends it: ms from request to answer. */
    private static double daemonSide(Virtchaind vc, TestDomain a, String name) {
        ObjectNode args = JSON.objectNode().put("domain", a.name()).put("name", name).put("quiesce", "auto");
        return vc.request("snapshot-create", args).millis();
    }

    /** virsh's snapshot call, made from here on an open connection: ms of the call alone. */
    private static double libvirtAlone(TestDomain b, String name) {
        String xml;
        try {
            xml = XML.writer().withRootName("domainsnapshot").writeValueAsString(Map.of("name", name));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        Domain dom = b.domain();
        try {
            long t0 = System.nanoTime();
            DomainSnapshot taken = dom.snapshotCreateXML(xml, VIRSH_FLAGS);
            double ms = (System.nanoTime() - t0) / 1e6;
            taken.free();
            return ms;
        } catch (LibvirtException e) {
            throw new IllegalStateException("libvirt refused snapshot " + name + " of " + b.name() + ": "
                    + e.getMessage(), e);
        }
    }

    private static double virsh(TestDomain b, String name) {
        return Virsh.run("snapshot-create-as", b.name(), name, "--disk-only", "--no-metadata", "--atomic").millis();
    }
}
