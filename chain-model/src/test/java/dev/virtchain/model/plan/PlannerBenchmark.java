package dev.virtchain.model.plan;

import dev.virtchain.model.Consistency;
import dev.virtchain.model.Disk;
import dev.virtchain.model.DomainId;
import dev.virtchain.model.Image;
import dev.virtchain.model.ImageFormat;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.Origin;
import dev.virtchain.model.Snapshot;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How long planning a prune of a 500-deep chain takes (target: 50 ms). Not a test: run it by hand
 * after {@code mvn -pl chain-model test-compile}:
 * <pre>
 * java -cp chain-model/target/classes:chain-model/target/test-classes dev.virtchain.model.plan.PlannerBenchmark
 * </pre>
 * Prints median and percentiles per case; writes no files. Facts are synthetic (prefix sums), so
 * the figures are the planner's own time. The last cases plan the widest branching component the
 * delete planner searches exhaustively (five members in a chain under three exits).
 */
public final class PlannerBenchmark {
    static final int DEPTH = 500;
    static final long MIB = 1 << 20;

    private PlannerBenchmark() {
    }

    static String path(int i) {
        return i == 0 ? "/var/lib/libvirt/images/vm.qcow2" : "/var/lib/libvirt/images/vm." + i + ".qcow2";
    }

    /** {@code vm <- vm.1 <- ... <- vm.500^}, snapshot Si held by image i. */
    static Ledger chain() {
        List<Image> images = new ArrayList<>();
        List<Snapshot> snaps = new ArrayList<>();
        Instant t = Instant.parse("2025-01-01T00:00:00Z");
        for (int i = 0; i <= DEPTH; i++) {
            images.add(i == 0 ? Image.base(path(0), ImageFormat.QCOW2) : Image.overlay(path(i), path(i - 1)));
            if (i < DEPTH) {
                snaps.add(Snapshot.of("S" + i, t.plusSeconds(3600L * i), i == 0 ? null : "S" + (i - 1),
                        Map.of("vda", path(i)), Consistency.CRASH, Origin.policy("hourly"), null));
            }
        }
        return new Ledger(Ledger.SCHEMA_VERSION, new DomainId("vm", "bench"),
                List.of(new Disk("vda", images, path(DEPTH))), snaps, List.of(), "S" + (DEPTH - 1), DEPTH + 1);
    }

    /** Image i allocates a few MiB; a pull copies a share of what lies between (prefix sums). */
    static AllocationFacts facts() {
        long[] alloc = new long[DEPTH + 1];
        long[] prefix = new long[DEPTH + 2];
        for (int i = 0; i <= DEPTH; i++) {
            alloc[i] = (1 + (i * 7L) % 13) * MIB;
            prefix[i + 1] = prefix[i] + alloc[i] / 2;
        }
        return new AllocationFacts() {
            @Override
            public long allocatedBytes(String image) {
                return alloc[index(image)];
            }

            @Override
            public long bytesPullWouldCopy(String image, String base) {
                int from = base == null ? 0 : index(base) + 1;
                return prefix[index(image)] - prefix[from];
            }
        };
    }

    static int index(String path) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        return name.equals("vm.qcow2") ? 0 : Integer.parseInt(name.substring(3, name.length() - 6));
    }

    public static void main(String[] args) {
        Ledger ledger = chain();
        AllocationFacts facts = facts();
        Planner planner = new Planner(Clock.fixed(Instant.parse("2025-02-01T00:00:00Z"), ZoneOffset.UTC),
                HostCapabilities.DEFAULT);
        Set<String> everyOther = new HashSet<>();
        Set<String> allButLast24 = new HashSet<>();
        for (int i = 0; i < DEPTH; i++) {
            if (i % 2 == 0) {
                everyOther.add("S" + i);
            }
            if (i < DEPTH - 24) {
                allButLast24.add("S" + i);
            }
        }
        for (DomainState state : DomainState.values()) {
            Situation s = new Situation(ledger, ObservedChains.of(ledger), facts, state);
            run("delete every other, " + state, planner, new Intent.Delete(everyOther), s);
            run("delete all but the last 24, " + state, planner, new Intent.Delete(allButLast24), s);
        }
        Ledger branched = branched();
        Set<String> chain = Set.of("S0", "S1", "S2", "S3", "S4");
        for (DomainState state : DomainState.values()) {
            Situation s = new Situation(branched, ObservedChains.of(branched), facts, state);
            run("widest searched component, " + state, planner, new Intent.Delete(chain), s);
        }
    }

    /**
     * {@code vm <- vm.1 <- ... <- vm.4} (S0..S4) under three exits: vm.5 and vm.6 (holders of
     * earlier states, as reverts leave them) and the active vm.7, all on vm.4.
     */
    static Ledger branched() {
        List<Image> images = new ArrayList<>();
        List<Snapshot> snaps = new ArrayList<>();
        Instant t = Instant.parse("2025-01-01T00:00:00Z");
        for (int i = 0; i <= 7; i++) {
            images.add(i == 0 ? Image.base(path(0), ImageFormat.QCOW2) : Image.overlay(path(i), path(Math.min(i - 1, 4))));
            if (i < 7) {
                snaps.add(Snapshot.of("S" + i, t.plusSeconds(3600L * i), i == 0 ? null : "S" + Math.min(i - 1, 4),
                        Map.of("vda", path(i)), Consistency.CRASH, Origin.policy("hourly"), null));
            }
        }
        return new Ledger(Ledger.SCHEMA_VERSION, new DomainId("vm", "bench"),
                List.of(new Disk("vda", images, path(7))), snaps, List.of(), "S4", 8);
    }

    static void run(String name, Planner planner, Intent intent, Situation s) {
        Plan plan = null;
        for (int i = 0; i < 15; i++) {
            plan = planner.plan(intent, s);
        }
        int runs = 41;
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            plan = planner.plan(intent, s);
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        System.out.printf("%-42s median %6.1f ms  p90 %6.1f ms  max %6.1f ms  (%d steps, %d MiB, %d unlinks)%n",
                name, ms[runs / 2], ms[(int) (runs * 0.9)], ms[runs - 1], plan.steps().size(),
                plan.estimatedBytes() / MIB, plan.unlinks().size());
    }
}
