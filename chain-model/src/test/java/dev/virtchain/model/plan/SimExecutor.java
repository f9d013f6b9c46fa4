package dev.virtchain.model.plan;

import dev.virtchain.model.Ledger;
import dev.virtchain.model.sim.ImageFormat;
import dev.virtchain.model.sim.SimulatedHost;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Applies a plan's steps to a {@link SimulatedHost} as the daemon's executor would to a real host,
 * and checks on the way what the executor relies on: live steps touch only the running chain,
 * offline steps only images QEMU does not have open, and each step copies exactly the bytes the
 * plan estimated (conversions at most).
 */
final class SimExecutor {
    final SimulatedHost sim;
    boolean running;
    Ledger ledger;
    /** Per disk, the image the guest sees (running: writes to). */
    final Map<String, String> live = new HashMap<>();
    long copied;

    SimExecutor(SimulatedHost sim, Ledger ledger, boolean running) {
        this.sim = sim;
        this.ledger = ledger;
        this.running = running;
        for (String d : ledger.diskTargets()) {
            live.put(d, ledger.requireDisk(d).active());
        }
    }

    /** Runs every step; {@code afterStep} sees the executor after each one. */
    void run(Plan plan, Consumer<Step> afterStep) {
        for (Step step : plan.steps()) {
            long bytes = step.accept(visitor);
            if (step instanceof Step.Convert) {
                check(bytes <= step.estimatedBytes(), step, "copied " + bytes + " > estimate " + step.estimatedBytes());
            } else {
                check(bytes == step.estimatedBytes(), step, "copied " + bytes + " != estimate " + step.estimatedBytes());
            }
            copied += bytes;
            afterStep.accept(step);
        }
    }

    void run(Plan plan) {
        run(plan, s -> { });
    }

    private static void check(boolean ok, Step step, String what) {
        if (!ok) {
            throw new AssertionError(what + " at " + step);
        }
    }

    private boolean inRunningChain(String image) {
        if (!running) {
            return false;
        }
        for (String a : sim.activeImages()) {
            if (sim.chain(a).contains(image)) {
                return true;
            }
        }
        return false;
    }

    /** The overlay of {@code top} in the running chain. */
    private String runningChild(String top) {
        for (String a : sim.activeImages()) {
            List<String> chain = sim.chain(a);
            int i = chain.indexOf(top);
            if (i > 0) {
                return chain.get(i - 1);
            }
        }
        throw new AssertionError(top + " has no overlay in the running chain");
    }

    private final Step.Visitor<Long> visitor = new Step.Visitor<>() {
        @Override
        public Long createOverlay(Step.CreateOverlay s) {
            sim.createOverlay(s.path(), s.backing());
            return 0L;
        }

        @Override
        public Long takeSnapshot(Step.TakeSnapshot s) {
            s.overlays().forEach((disk, overlay) -> {
                String old = live.get(disk);
                check(sim.info(overlay).backing().equals(old), s, overlay + " is not on " + old);
                if (running) {
                    sim.pivot(old, overlay);
                }
                live.put(disk, overlay);
            });
            return 0L;
        }

        @Override
        public Long blockCommit(Step.BlockCommit s) {
            check(running && inRunningChain(s.top()), s, "live commit outside the running chain");
            if (s.active()) {
                check(sim.isActive(s.top()), s, "active commit of an image the guest does not write");
                long b = sim.activeCommit(s.top(), s.base());
                live.put(s.disk(), s.base());
                return b;
            }
            return sim.commit(s.top(), s.base(), runningChild(s.top()));
        }

        @Override
        public Long pivot(Step.Pivot s) {
            check(sim.isActive(s.newActive()), s, "pivot target is not active");
            return 0L;
        }

        @Override
        public Long blockPull(Step.BlockPull s) {
            check(running && sim.isActive(s.image()), s, "live pull into an image that is not active");
            return sim.pull(s.image(), s.base());
        }

        @Override
        public Long offlineRebase(Step.OfflineRebase s) {
            check(!inRunningChain(s.image()), s, "qemu-img rebase of an image QEMU has open");
            return s.safe() ? sim.rebaseSafe(s.image(), s.newBacking()) : sim.rebaseUnsafe(s.image(), s.newBacking());
        }

        @Override
        public Long offlineCommit(Step.OfflineCommit s) {
            check(!inRunningChain(s.top()) && !inRunningChain(s.base()), s, "qemu-img commit of an image QEMU has open");
            // qemu-img commit leaves overlays alone; the simulator rewrites them, which the
            // plan's following unsafe rebases then repeat harmlessly.
            return sim.commit(s.top(), s.base());
        }

        @Override
        public Long convert(Step.Convert s) {
            return sim.convert(s.source(), s.dest(), ImageFormat.QCOW2);
        }

        @Override
        public Long convertDiff(Step.ConvertDiff s) {
            return sim.convertDiff(s.source(), s.backing(), s.dest());
        }

        @Override
        public Long setDiskSource(Step.SetDiskSource s) {
            check(!running, s, "disk source changed while running");
            live.put(s.disk(), s.path());
            return 0L;
        }

        @Override
        public Long stopDomain(Step.StopDomain s) {
            for (String a : sim.activeImages()) {
                sim.deactivate(a);
            }
            running = false;
            return 0L;
        }

        @Override
        public Long startDomain(Step.StartDomain s) {
            for (String d : ledger.diskTargets()) {
                sim.activate(live.get(d));
            }
            running = true;
            return 0L;
        }

        @Override
        public Long defineClone(Step.DefineClone s) {
            return 0L;
        }

        @Override
        public Long unlink(Step.Unlink s) {
            for (Ledger l : List.of(ledger)) {
                check(!l.requireDisk(s.disk()).contains(s.path()), s, "unlink of an image the ledger still names");
            }
            sim.unlink(s.path());
            return 0L;
        }

        @Override
        public Long updateLedger(Step.UpdateLedger s) {
            s.ledger().requireValid();
            ledger = s.ledger();
            return 0L;
        }

        /** The simulator makes a copy's destination as it copies; here only what was asked is checked. */
        @Override
        public Long createCopyTarget(Step.CreateCopyTarget s) {
            check(!sim.exists(s.path()), s, "copy target " + s.path() + " exists already");
            check(s.backing() == null || sim.chain(live.get(s.disk())).contains(s.backing()), s,
                    "shallow copy target on an image outside the disk's chain");
            return 0L;
        }

        @Override
        public Long blockCopy(Step.BlockCopy s) {
            check(running && sim.isActive(live.get(s.disk())), s, "block copy of a disk the guest does not write");
            return sim.copy(live.get(s.disk()), s.dest(), s.shallow());
        }

        @Override
        public Long finishCopy(Step.FinishCopy s) {
            if (s.pivot()) {
                sim.pivot(live.get(s.disk()), s.dest());
                live.put(s.disk(), s.dest());
                check(sim.chain(s.dest()).equals(s.chainAfter()), s, "chain after the pivot is " + sim.chain(s.dest()));
            }
            return 0L;
        }
    };
}
