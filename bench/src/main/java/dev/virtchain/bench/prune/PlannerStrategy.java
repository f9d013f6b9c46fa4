package dev.virtchain.bench.prune;

import dev.virtchain.daemon.exec.SimExecution;
import dev.virtchain.model.Disk;
import dev.virtchain.model.DomainId;
import dev.virtchain.model.Image;
import dev.virtchain.model.ImageFormat;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.Origin;
import dev.virtchain.model.plan.DomainState;
import dev.virtchain.model.plan.HostCapabilities;
import dev.virtchain.model.plan.Intent;
import dev.virtchain.model.plan.ObservedChains;
import dev.virtchain.model.plan.Oracles;
import dev.virtchain.model.plan.Plan;
import dev.virtchain.model.plan.Planner;
import dev.virtchain.model.plan.QuiesceMode;
import dev.virtchain.model.plan.Situation;
import dev.virtchain.model.plan.Step;
import dev.virtchain.model.sim.SimulatedHost;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * virtchain's planner on the simulator: snapshots and deletes are planned exactly as the daemon
 * plans them (allocation facts read from the simulator) and run by the daemon's executor on its
 * simulated host, which checks that each step copies what the plan estimated.
 *
 * <p>With {@code rangeMerges} a prune is one plan for every snapshot it deletes (the daemon's
 * way); without, one plan per snapshot, oldest first. With a {@link LowerBound} each prune is also
 * searched exhaustively before it runs.
 */
final class PlannerStrategy implements PruneStrategy {
    static final String DISK = "vda";
    private static final Clock EPOCH_CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    private final boolean rangeMerges;
    private final boolean running;
    private final DomainState state;
    private final int clusterSize;
    private final LowerBound lowerBound;
    private SimulatedHost sim;
    private Ledger ledger;
    private final Tally tally = new Tally();
    /** Clone domain to the overlay it runs on, in the simulator. */
    private final Map<String, String> cloneOverlays = new HashMap<>();

    PlannerStrategy(Workload w, boolean running, boolean rangeMerges, LowerBound lowerBound) {
        this.rangeMerges = rangeMerges;
        this.running = running;
        this.state = running ? DomainState.RUNNING : DomainState.SHUT_OFF;
        this.clusterSize = w.clusterSize();
        this.lowerBound = lowerBound;
        this.sim = w.newHostWithBase();
        if (running) {
            sim.activate(w.basePath());
        }
        this.ledger = Ledger.of(new DomainId("vm", "00000000-0000-0000-0000-0000000000be"),
                List.of(new Disk(DISK, List.of(Image.base(w.basePath(), ImageFormat.QCOW2)), w.basePath())));
    }

    @Override
    public void write(int cluster, long token) {
        sim.write(ledger.requireDisk(DISK).active(), (long) cluster * clusterSize, clusterSize, token);
    }

    @Override
    public void snapshot(String name, Instant at) {
        Intent intent = new Intent.Create(name, Set.of(), QuiesceMode.NO, null, Origin.policy("hourly"));
        Clock clock = Clock.fixed(at, ZoneOffset.UTC);
        run(new Planner(clock, HostCapabilities.DEFAULT).plan(intent, situation()), clock);
        // The simulator logs every write; a fresh fork each hour keeps that log from growing.
        sim = sim.fork();
    }

    @Override
    public void delete(List<String> names) {
        Planner planner = new Planner(EPOCH_CLOCK, HostCapabilities.DEFAULT);
        if (rangeMerges) {
            Plan plan = planner.plan(new Intent.Delete(new HashSet<>(names)), situation());
            if (lowerBound != null) {
                lowerBound.measure(sim, tombstoned(plan), running, plan);
            }
            run(plan, EPOCH_CLOCK);
        } else {
            for (String name : names) {
                run(planner.plan(Intent.Delete.of(name), situation()), EPOCH_CLOCK);
            }
        }
    }

    @Override
    public String revert(String name) {
        Planner planner = new Planner(EPOCH_CLOCK, HostCapabilities.DEFAULT);
        Set<String> before = new HashSet<>();
        ledger.snapshots().forEach(s -> before.add(s.name()));
        // Running: --force (the domain is stopped, reverted and started again); the simulator
        // follows the steps' stop and start.
        run(planner.plan(new Intent.Revert(name, running), situation()), EPOCH_CLOCK);
        return ledger.snapshots().stream().map(s -> s.name()).filter(n -> !before.contains(n)).findFirst()
                .orElseThrow(() -> new IllegalStateException("the revert to " + name + " kept no snapshot of the state"
                        + " it left"));
    }

    @Override
    public void cloneSnapshot(String name, String clone) {
        Planner planner = new Planner(EPOCH_CLOCK, HostCapabilities.DEFAULT);
        Plan p = planner.plan(new Intent.Clone(name, clone, Map.of()), situation());
        run(p, EPOCH_CLOCK);
        for (Step st : p.steps()) {
            if (st instanceof Step.CreateOverlay c) {
                cloneOverlays.put(clone, c.path());
                sim.write(c.path(), 0, clusterSize, Long.MAX_VALUE - cloneOverlays.size()); // the clone's own writes
            }
        }
    }

    @Override
    public void dropClone(String clone) {
        String overlay = cloneOverlays.remove(clone);
        if (overlay != null) {
            sim.unlink(overlay);
        }
        for (var s : ledger.snapshots()) {
            if (s.protectedBy().contains(clone)) {
                ledger = ledger.withoutProtection(s.name(), clone);
            }
        }
    }

    private Situation situation() {
        return new Situation(ledger, ObservedChains.of(ledger), Oracles.facts(sim), state);
    }

    /** The ledger with the deleted snapshots' holders as tombstones: a delete plan's first update. */
    private static Ledger tombstoned(Plan plan) {
        if (!plan.steps().isEmpty() && plan.steps().get(0) instanceof Step.UpdateLedger u) {
            return u.ledger();
        }
        throw new IllegalStateException("a delete plan starts by recording its tombstones, this one with "
                + (plan.steps().isEmpty() ? "nothing" : plan.steps().get(0)));
    }

    /**
     * Runs {@code plan}'s intent with the daemon's executor on the simulator, which plans it again
     * from what the host shows: the same plan, or the benchmark would measure something else.
     */
    private void run(Plan plan, Clock clock) {
        for (Step s : plan.steps()) {
            long bytes = s.estimatedBytes();
            if (s instanceof Step.BlockCommit c) {
                if (c.active()) {
                    tally.activeCommit(bytes);
                } else {
                    tally.commit(bytes);
                }
            } else if (s instanceof Step.OfflineCommit) {
                tally.commit(bytes);
            } else if (s instanceof Step.BlockPull || (s instanceof Step.OfflineRebase r && r.safe())) {
                tally.pull(bytes);
            }
        }
        SimExecution.Executed done = SimExecution.run(sim, ledger, running, plan.intent(), clock,
                HostCapabilities.DEFAULT, SimExecution.StepWatcher.NONE);
        if (!done.plan().steps().equals(plan.steps())) {
            throw new IllegalStateException("the executor planned " + plan.intent() + " as " + done.plan().steps()
                    + ", the benchmark as " + plan.steps());
        }
        if (done.copied() != plan.estimatedBytes()) {
            throw new IllegalStateException("the plan for " + plan.intent() + " estimated " + plan.estimatedBytes()
                    + " bytes but copied " + done.copied());
        }
        ledger = done.ledger();
    }

    @Override
    public Tally tally() {
        return tally;
    }

    @Override
    public int chainLength() {
        return ledger.activeChain(DISK).size();
    }

    /** Images the disk keeps after {@code plan}. */
    static int imagesAfter(Plan plan) {
        return plan.after().requireDisk(DISK).images().size();
    }
}
