package dev.virtchain.bench.prune;

import dev.virtchain.model.sim.SimulatedHost;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The fixed rules other tools delete external snapshots by, one snapshot at a time, on a linear
 * chain in the simulator.
 *
 * <ul>
 * <li>{@link Rule#LIBVIRT}: libvirt's own {@code virsh snapshot-delete} (9.0 and later) commits
 *     the image taken on top of the snapshot into the snapshot's image: a shallow commit, or an
 *     active commit when that image is the active one. It never pulls.</li>
 * <li>{@link Rule#CINDER_NOVA}: OpenStack's remotefs volume snapshots: the newest snapshot is
 *     deleted by pulling its image into the active one (Nova's blockRebase), every other by the
 *     same commit as libvirt.</li>
 * </ul>
 * Offline (the domain shut off) the same choices are made with {@code qemu-img commit} and
 * {@code qemu-img rebase}.
 */
final class LinearChainStrategy implements PruneStrategy {

    enum Rule { LIBVIRT, CINDER_NOVA }

    private final Rule rule;
    private final boolean running;
    private final int clusterSize;
    private final String directory;
    private SimulatedHost sim;
    /** Bottom first; the last is the active image. */
    private final List<String> chain = new ArrayList<>();
    private final Map<String, String> holderOf = new HashMap<>();
    private final Map<String, String> heldBy = new HashMap<>();
    private final Tally tally = new Tally();
    private int nextImage = 1;
    /** Deletes of the snapshot whose holder backs the active image: the only ones the two rules treat apart. */
    int newestDeletes;

    LinearChainStrategy(Rule rule, Workload w, boolean running) {
        this.rule = rule;
        this.running = running;
        this.clusterSize = w.clusterSize();
        this.directory = w.directory();
        this.sim = w.newHostWithBase();
        chain.add(w.basePath());
        if (running) {
            sim.activate(w.basePath());
        }
    }

    @Override
    public void write(int cluster, long token) {
        sim.write(active(), (long) cluster * clusterSize, clusterSize, token);
    }

    @Override
    public void snapshot(String name, Instant at) {
        String overlay = directory + "/vm." + nextImage++ + ".qcow2";
        sim.createOverlay(overlay, active());
        if (running) {
            sim.pivot(active(), overlay);
        }
        holderOf.put(name, active());
        heldBy.put(active(), name);
        chain.add(overlay);
        // The simulator logs every write; a fresh fork each hour keeps that log from growing.
        sim = sim.fork();
    }

    @Override
    public void delete(List<String> names) {
        for (String name : names) {
            deleteOne(name);
        }
    }

    private void deleteOne(String name) {
        String holder = holderOf.remove(name);
        heldBy.remove(holder);
        int at = chain.indexOf(holder);
        String above = chain.get(at + 1);
        boolean aboveIsActive = at + 1 == chain.size() - 1;
        if (aboveIsActive) {
            newestDeletes++;
        }
        if (aboveIsActive && rule == Rule.CINDER_NOVA) {
            String base = at == 0 ? null : chain.get(at - 1);
            tally.pull(running ? sim.pull(above, base) : sim.rebaseSafe(above, base));
            chain.remove(at);
            sim.unlink(holder);
            return;
        }
        if (aboveIsActive) {
            tally.activeCommit(running ? sim.activeCommit(above, holder) : sim.commit(above, holder));
        } else {
            tally.commit(sim.commit(above, holder));
        }
        // The commit moved the point in time of the image above down into the holder.
        String moved = heldBy.remove(above);
        if (moved != null) {
            holderOf.put(moved, holder);
            heldBy.put(holder, moved);
        }
        chain.remove(at + 1);
        sim.unlink(above);
    }

    private String active() {
        return chain.get(chain.size() - 1);
    }

    @Override
    public Tally tally() {
        return tally;
    }

    @Override
    public int chainLength() {
        return chain.size();
    }
}
