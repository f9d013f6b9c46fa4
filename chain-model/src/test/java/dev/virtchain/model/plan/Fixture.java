package dev.virtchain.model.plan;

import dev.virtchain.model.Consistency;
import dev.virtchain.model.Disk;
import dev.virtchain.model.DomainId;
import dev.virtchain.model.Image;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.Origin;
import dev.virtchain.model.Snapshot;
import dev.virtchain.model.sim.ImageFormat;
import dev.virtchain.model.sim.SimulatedHost;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A domain on a simulated host, with the planner wired to it. Its plans run with the daemon's
 * executor in the daemon module's tests ({@code Run}).
 */
final class Fixture {
    static final int CLUSTER = SimulatedHost.DEFAULT_CLUSTER_SIZE;
    static final int CLUSTERS = 8;
    static final Instant T0 = Instant.parse("2025-01-02T03:04:05Z");

    final SimulatedHost sim = new SimulatedHost();
    Ledger ledger;
    DomainState state;
    Clock clock = Clock.fixed(T0, ZoneOffset.UTC);
    HostCapabilities caps = HostCapabilities.DEFAULT;

    static long clusters(int n) {
        return (long) n * CLUSTER;
    }

    static String img(String name) {
        return "/img/" + name;
    }

    /**
     * docs/design.md §2's chain {@code V <- V.1 <- V.2 <- V.3^}, S0→V, S1→V.1, S2→V.2, written as the
     * simulator's own table test does:
     * <pre>
     * cluster   0  1  2  3  4  5  6  7
     * V        10 10 10 10  .  .  .  .
     * V.1       . 11  .  . 11  .  .  .
     * V.2       .  . 12  . 12 12  .  .
     * V.3       .  .  . 13  . 13 13  .
     * </pre>
     */
    static Fixture design(DomainState state) {
        return linear(state, new int[][] {{0, 1, 2, 3}, {1, 4}, {2, 4, 5}, {3, 5, 6}});
    }

    /**
     * A linear chain V, V.1, ... with the last image active and snapshot Si held by V.i (S0 by
     * V); {@code writes[i]} are the clusters image i writes (token 10 + i).
     */
    static Fixture linear(DomainState state, int[][] writes) {
        Fixture f = new Fixture();
        f.state = state;
        List<Image> images = new ArrayList<>();
        List<Snapshot> snaps = new ArrayList<>();
        String prev = null;
        for (int i = 0; i < writes.length; i++) {
            String path = img(i == 0 ? "V" : "V." + i);
            if (prev == null) {
                f.sim.createBase(path, ImageFormat.QCOW2, clusters(CLUSTERS));
                images.add(Image.base(path, dev.virtchain.model.ImageFormat.QCOW2));
            } else {
                f.sim.createOverlay(path, prev);
                images.add(Image.overlay(path, prev));
            }
            for (int c : writes[i]) {
                f.sim.write(path, clusters(c), CLUSTER, 10 + i);
            }
            if (i < writes.length - 1) {
                snaps.add(Snapshot.of("S" + i, T0.plusSeconds(i), i == 0 ? null : "S" + (i - 1),
                        Map.of("vda", path), Consistency.CRASH, Origin.manual(), null));
            }
            prev = path;
        }
        if (state == DomainState.RUNNING) {
            f.sim.activate(prev);
        }
        f.ledger = new Ledger(Ledger.SCHEMA_VERSION, new DomainId("vm", "00000000-0000-0000-0000-000000000001"),
                List.of(new Disk("vda", images, prev)), snaps, List.of(),
                snaps.isEmpty() ? null : snaps.get(snaps.size() - 1).name(), writes.length);
        f.ledger.requireValid();
        return f;
    }

    AllocationFacts facts() {
        return simFacts(sim);
    }

    static AllocationFacts simFacts(SimulatedHost sim) {
        return new AllocationFacts() {
            @Override
            public long allocatedBytes(String image) {
                return sim.allocatedBytes(image);
            }

            @Override
            public long bytesPullWouldCopy(String image, String base) {
                return sim.bytesPullWouldCopy(image, base);
            }

            @Override
            public long bytesRebaseWouldCopy(String image, String newBacking) {
                return sim.bytesRebaseWouldCopy(image, newBacking);
            }
        };
    }

    Situation situation() {
        return new Situation(ledger, ObservedChains.of(ledger), facts(), state);
    }

    Plan plan(Intent intent) {
        return new Planner(clock, caps).plan(intent, situation());
    }

    /** The tokens a guest reading {@code image} sees, cluster by cluster. */
    long[] tokens(String image) {
        long[] t = new long[CLUSTERS];
        for (int c = 0; c < CLUSTERS; c++) {
            t[c] = sim.view(image).tokenAt(clusters(c));
        }
        return t;
    }
}
