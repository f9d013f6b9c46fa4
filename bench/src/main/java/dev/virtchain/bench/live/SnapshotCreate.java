package dev.virtchain.bench.live;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.testing.TestDomain;

import java.util.ArrayList;
import java.util.List;

/**
 * Benchmark 4: wall time of {@code virtchain snapshot-create} against
 * {@code virsh snapshot-create-as --disk-only --no-metadata --atomic}, each on its own running
 * domain, in {@value #PAIRS} pairs whose order alternates, after one warm-up of each. Both are
 * whole command runs, from fork to exit.
 */
public final class SnapshotCreate {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
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
            for (int i = 1; i <= PAIRS; i++) {
                String name = "c" + i;
                if (i % 2 == 1) {
                    vcMs.add(vc.cli("snapshot-create", a.name(), name).millis());
                    virshMs.add(virsh(b, name));
                } else {
                    virshMs.add(virsh(b, name));
                    vcMs.add(vc.cli("snapshot-create", a.name(), name).millis());
                }
            }
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
            out.put("target", "median virtchain <= 1.5 x median virsh");
            out.put("met", vcMedian <= 1.5 * virshMedian);
            return out;
        }
    }

    private static double virsh(TestDomain b, String name) {
        return Virsh.run("snapshot-create-as", b.name(), name, "--disk-only", "--no-metadata", "--atomic").millis();
    }
}
