package dev.virtchain.daemon.exec;

import dev.virtchain.daemon.files.DestinationRefused;
import dev.virtchain.libvirt.xml.DomainDescription;
import dev.virtchain.model.Consistency;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.plan.AllocationFacts;
import dev.virtchain.model.plan.DomainState;
import dev.virtchain.model.plan.Expectation;
import dev.virtchain.model.plan.ObservedChains;
import dev.virtchain.model.plan.Oracles;
import dev.virtchain.model.plan.Step;
import dev.virtchain.model.sim.ImageFormat;
import dev.virtchain.model.sim.SimulatedHost;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The chain-model simulator as the executor's {@link Host}: QEMU's images and block jobs, and
 * libvirt's domains (running or not, which image each disk runs on). It outlives the executors
 * that use it, as QEMU outlives a killed daemon: a job started before a crash goes on and is in
 * sync or finished when the next executor looks.
 *
 * <p>Steps do what libvirt and qemu-img do, including what is awkward for a planner: an active
 * commit writes into its base before the pivot (an abort leaves that written), {@code qemu-img
 * commit} leaves the overlays of the committed image naming it, an image another image is backed
 * by or a guest writes to cannot be unlinked.
 */
public final class SimHost implements Host {

    /** One libvirt domain: whether it runs and the image each disk runs on, in definition order. */
    public static final class Domain {
        boolean running;
        final Map<String, String> disks = new LinkedHashMap<>();
        final String uuid;

        Domain(boolean running, Map<String, String> disks, String uuid) {
            this.running = running;
            this.disks.putAll(disks);
            this.uuid = uuid;
        }
    }

    private enum JobKind { COMMIT, ACTIVE_COMMIT, PULL, COPY }

    /** A block job in QEMU; {@code ready} once it mirrors (active commit, copy). */
    private static final class Job {
        final JobKind kind;
        final Step step;
        boolean ready;

        Job(JobKind kind, Step step) {
            this.kind = kind;
            this.step = step;
        }
    }

    final SimulatedHost sim;
    final Map<String, Domain> domains = new TreeMap<>();
    /** Bytes each step copied (QEMU's and qemu-img's work, as the simulator counts it), in order. */
    private final Map<Step, Long> copied = new LinkedHashMap<>();
    /** What {@link #usableSpace} answers for every directory. */
    long freeBytes = Long.MAX_VALUE / 4;
    private final Map<String, Job> jobs = new HashMap<>();

    public SimHost(SimulatedHost sim) {
        this.sim = sim;
    }

    /** Bytes {@code step} copied so far on this host (0 for a step that copies nothing). */
    public long copied(Step step) {
        return copied.getOrDefault(step, 0L);
    }

    private long count(Step step, long bytes) {
        copied.merge(step, bytes, Long::sum);
        return bytes;
    }

    /** A copy that goes its own way from here: the images and domains as they are now, and no jobs. */
    SimHost fork() {
        if (!jobs.isEmpty()) {
            throw new IllegalStateException("cannot fork a host with block jobs under way: " + jobs.keySet());
        }
        SimHost copy = new SimHost(sim.fork());
        domains.forEach((name, d) -> copy.domains.put(name, new Domain(d.running, d.disks, d.uuid)));
        return copy;
    }

    Domain define(String name, boolean running, Map<String, String> disks) {
        return define(name, "00000000-0000-0000-0000-" + String.format("%012d", domains.size() + 1), running, disks);
    }

    /** Defines domain {@code name} on the images {@code disks} names, running (its images open) or not. */
    public Domain define(String name, String uuid, boolean running, Map<String, String> disks) {
        if (domains.containsKey(name)) {
            throw new IllegalStateException("domain " + name + " is defined already");
        }
        Domain d = new Domain(running, disks, uuid);
        domains.put(name, d);
        if (running) {
            d.disks.values().stream().filter(image -> !sim.isActive(image)).forEach(sim::activate);
        }
        return d;
    }

    /** Whether {@code name} runs and the image each of its disks runs on. */
    public Domain domain(String name) {
        Domain d = domains.get(name);
        if (d == null) {
            throw new IllegalStateException("no domain " + name);
        }
        return d;
    }

    /** Block jobs under way now, as "domain/disk". */
    Set<String> jobs() {
        return new TreeSet<>(jobs.keySet());
    }

    /** QEMU works on while nobody watches: every running job finishes its copying. */
    private void advance() {
        for (var e : jobs.entrySet()) {
            Job j = e.getValue();
            if (j.ready) {
                continue;
            }
            String domain = e.getKey().substring(0, e.getKey().indexOf('/'));
            Domain d = domain(domain);
            switch (j.kind) {
                case COMMIT -> {
                    Step.BlockCommit c = (Step.BlockCommit) j.step;
                    count(c, sim.commit(c.top(), c.base(), childInChain(d, c.disk(), c.top())));
                }
                case PULL -> {
                    Step.BlockPull p = (Step.BlockPull) j.step;
                    count(p, sim.pull(p.image(), p.base()));
                }
                case ACTIVE_COMMIT -> {
                    Step.BlockCommit c = (Step.BlockCommit) j.step;
                    count(c, sim.commitInto(c.top(), c.base()));
                    j.ready = true;
                }
                case COPY -> {
                    Step.BlockCopy c = (Step.BlockCopy) j.step;
                    count(c, sim.copy(d.disks.get(c.disk()), c.dest(), c.shallow()));
                    j.ready = true;
                }
            }
        }
        jobs.values().removeIf(j -> !j.ready);
    }

    private String childInChain(Domain d, String disk, String image) {
        List<String> chain = sim.chain(d.disks.get(disk));
        int i = chain.indexOf(image);
        if (i <= 0) {
            throw new IllegalStateException(image + " has no overlay in the chain of " + disk + ": " + chain);
        }
        return chain.get(i - 1);
    }

    // --- reads ------------------------------------------------------------------------------------

    @Override
    public Observation observe(String domain, Collection<Step> steps) {
        advance();
        Domain d = domain(domain);
        Map<String, List<String>> chains = new LinkedHashMap<>();
        d.disks.forEach((disk, image) -> chains.put(disk, sim.chain(image)));
        Map<String, String> backings = new HashMap<>();
        Set<String> absent = new HashSet<>();
        for (Step s : steps) {
            Expectation e = s.expected();
            Set<String> paths = new TreeSet<>(e.backings().keySet());
            paths.addAll(e.absent());
            for (String p : paths) {
                if (!sim.exists(p)) {
                    absent.add(p);
                } else {
                    String b = sim.info(p).backing();
                    backings.put(p, b == null ? ObservedChains.NO_BACKING : b);
                }
            }
        }
        return new Observation(new DomainDescription(domain, d.uuid, "qemu", List.of(), List.of(), false, d.running),
                new ObservedChains(chains, backings, absent), d.running ? DomainState.RUNNING : DomainState.SHUT_OFF);
    }

    @Override
    public boolean isRunning(String domain) {
        return domain(domain).running;
    }

    @Override
    public boolean exists(String path) {
        return sim.exists(path);
    }

    /** What qemu-img would measure: the simulator's own allocation, read as the planner's tests read it. */
    @Override
    public AllocationFacts facts(String domain, Ledger ledger, Observation observation) {
        return Oracles.facts(sim);
    }

    @Override
    public long usableSpace(String directory) {
        return freeBytes;
    }

    @Override
    public void checkDestination(Step creating, String path) {
        if (sim.exists(path)) {
            throw new DestinationRefused(Path.of(path), "it exists already");
        }
    }

    @Override
    public void deleteIfExists(String path) {
        if (sim.exists(path)) {
            sim.unlink(path);
        }
    }

    @Override
    public void dropLinkedPartial(String dest) {
        // the simulator gives an export its name in one move
    }

    @Override
    public Reattached reattach(String domain, Step step, Observation observation, long bandwidthMiB) {
        advance();
        if (step instanceof Step.Pivot || step instanceof Step.FinishCopy) {
            return Reattached.NOT_DONE;
        }
        if (!(step instanceof Step.BlockCommit || step instanceof Step.BlockPull || step instanceof Step.BlockCopy)) {
            return Reattached.NOT_DONE;
        }
        String disk = step.disk();
        Job j = jobs.get(domain + "/" + disk);
        if (j != null) {
            return j.kind == JobKind.ACTIVE_COMMIT ? Reattached.READY : Reattached.DONE;
        }
        // libvirt decides a job that is gone from the chain it left
        return step.expected().isObservable() && step.done(observe(domain, List.of(step)).chains())
                ? Reattached.DONE : Reattached.NOT_DONE;
    }

    @Override
    public void abortJob(String domain, String disk) {
        jobs.remove(domain + "/" + disk);
    }

    // --- steps ------------------------------------------------------------------------------------

    @Override
    public void run(Step step, StepContext cx) {
        advance();
        Domain d = domain(cx.domain());
        step.accept(new Step.Visitor<Void>() {
            @Override
            public Void createOverlay(Step.CreateOverlay s) {
                if (sim.exists(s.path())) {
                    if (s.backing().equals(sim.info(s.path()).backing())) {
                        return null;
                    }
                    throw new StepFailed(cx.domain(), s.disk(), s.path(), s.path() + " exists with another backing", null);
                }
                sim.createOverlay(s.path(), s.backing());
                return null;
            }

            @Override
            public Void takeSnapshot(Step.TakeSnapshot s) {
                s.overlays().forEach((disk, overlay) -> {
                    String old = d.disks.get(disk);
                    if (!old.equals(sim.info(overlay).backing())) {
                        throw new StepFailed(cx.domain(), disk, overlay, overlay + " is not on " + old, null);
                    }
                });
                s.overlays().forEach((disk, overlay) -> {
                    if (d.running) {
                        sim.pivot(d.disks.get(disk), overlay);
                    }
                    d.disks.put(disk, overlay);
                });
                cx.taken().accept(new Taken(Consistency.CRASH, null));
                return null;
            }

            @Override
            public Void blockCommit(Step.BlockCommit s) {
                requireRunning(s);
                start(s.disk(), new Job(s.active() ? JobKind.ACTIVE_COMMIT : JobKind.COMMIT, s));
                cx.reach(CrashPoint.Where.AFTER_CALL);
                advance();
                if (s.active()) {
                    cx.reach(CrashPoint.Where.AT_READY);
                    return null; // the pivot step gives the permit back
                }
                cx.jobPermits().release();
                return null;
            }

            @Override
            public Void pivot(Step.Pivot s) {
                try {
                    Job j = jobs.get(cx.domain() + "/" + s.disk());
                    if (j == null || j.kind != JobKind.ACTIVE_COMMIT || !j.ready) {
                        throw new StepFailed(cx.domain(), s.disk(), s.newActive(), "no active commit in sync to pivot", null);
                    }
                    Step.BlockCommit c = (Step.BlockCommit) j.step;
                    sim.activeCommit(c.top(), c.base());
                    d.disks.put(s.disk(), c.base());
                    jobs.remove(cx.domain() + "/" + s.disk());
                    cx.reach(CrashPoint.Where.AFTER_PIVOT);
                    return null;
                } finally {
                    cx.jobPermits().release();
                }
            }

            @Override
            public Void blockPull(Step.BlockPull s) {
                requireRunning(s);
                start(s.disk(), new Job(JobKind.PULL, s));
                cx.reach(CrashPoint.Where.AFTER_CALL);
                advance();
                cx.jobPermits().release();
                return null;
            }

            @Override
            public Void offlineRebase(Step.OfflineRebase s) {
                requireNotOpen(s, s.image());
                count(s, s.safe() ? sim.rebaseSafe(s.image(), s.newBacking()) : sim.rebaseUnsafe(s.image(), s.newBacking()));
                cx.reach(CrashPoint.Where.AFTER_CALL);
                return null;
            }

            @Override
            public Void offlineCommit(Step.OfflineCommit s) {
                requireNotOpen(s, s.top());
                requireNotOpen(s, s.base());
                count(s, sim.commitInto(s.top(), s.base()));
                cx.reach(CrashPoint.Where.AFTER_CALL);
                return null;
            }

            @Override
            public Void convert(Step.Convert s) {
                return export(() -> count(s, sim.convert(s.source(), s.dest(), ImageFormat.QCOW2)));
            }

            @Override
            public Void convertDiff(Step.ConvertDiff s) {
                return export(() -> count(s, sim.convertDiff(s.source(), s.backing(), s.dest())));
            }

            private Void export(Runnable write) {
                cx.reach(CrashPoint.Where.EXPORT_CREATED);
                cx.reach(CrashPoint.Where.AFTER_CALL);
                cx.reach(CrashPoint.Where.EXPORT_CHECKED);
                write.run();
                cx.reach(CrashPoint.Where.EXPORT_LINKED);
                return null;
            }

            @Override
            public Void setDiskSource(Step.SetDiskSource s) {
                if (d.running) {
                    throw new StepFailed(cx.domain(), s.disk(), s.path(), "disk source changed while running", null);
                }
                d.disks.put(s.disk(), s.path());
                cx.reach(CrashPoint.Where.AFTER_CALL);
                return null;
            }

            @Override
            public Void stopDomain(Step.StopDomain s) {
                if (d.running) {
                    d.disks.values().forEach(sim::deactivate);
                    d.running = false;
                }
                return null;
            }

            @Override
            public Void startDomain(Step.StartDomain s) {
                if (!d.running) {
                    d.disks.values().forEach(sim::activate);
                    d.running = true;
                }
                return null;
            }

            @Override
            public Void defineClone(Step.DefineClone s) {
                if (domains.containsKey(s.newDomain())) {
                    return null;
                }
                cx.reach(CrashPoint.Where.BEFORE_DEFINE_CLONE);
                define(s.newDomain(), false, s.disks());
                return null;
            }

            @Override
            public Void unlink(Step.Unlink s) {
                cx.reach(CrashPoint.Where.BEFORE_UNLINK);
                if (!sim.exists(s.path())) {
                    return null;
                }
                var user = cx.otherUser().apply(s.path());
                if (user.isPresent()) {
                    throw new StepFailed(cx.domain(), s.disk(), s.path(), "the ledger of " + user.get() + " names it", null);
                }
                for (var other : domains.entrySet()) {
                    for (String image : other.getValue().disks.values()) {
                        if (sim.chain(image).contains(s.path())) {
                            throw new StepFailed(cx.domain(), s.disk(), s.path(), "domain " + other.getKey()
                                    + " still uses it", null);
                        }
                    }
                }
                sim.unlink(s.path());
                return null;
            }

            @Override
            public Void updateLedger(Step.UpdateLedger s) {
                throw new IllegalStateException("ledger updates are the executor's");
            }

            @Override
            public Void createCopyTarget(Step.CreateCopyTarget s) {
                // QEMU's mirror writes the whole target in the simulator; the name must be free
                if (sim.exists(s.path())) {
                    throw new StepFailed(cx.domain(), s.disk(), s.path(), "copy target exists", null);
                }
                cx.reach(CrashPoint.Where.AFTER_CALL);
                return null;
            }

            @Override
            public Void blockCopy(Step.BlockCopy s) {
                requireRunning(s);
                start(s.disk(), new Job(JobKind.COPY, s));
                cx.reach(CrashPoint.Where.AFTER_CALL);
                advance();
                cx.jobPermits().release();
                cx.reach(CrashPoint.Where.AT_READY);
                return null;
            }

            @Override
            public Void finishCopy(Step.FinishCopy s) {
                Job j = jobs.remove(cx.domain() + "/" + s.disk());
                if (j == null) {
                    if (!s.pivot() || sim.chain(d.disks.get(s.disk())).equals(s.chainAfter())) {
                        return null;
                    }
                    throw new StepFailed(cx.domain(), s.disk(), s.dest(), "the copy is no longer running", null);
                }
                if (s.pivot()) {
                    sim.pivot(d.disks.get(s.disk()), s.dest());
                    d.disks.put(s.disk(), s.dest());
                    cx.reach(CrashPoint.Where.AFTER_PIVOT);
                } else {
                    cx.reach(CrashPoint.Where.AFTER_CALL);
                }
                return null;
            }

            private void start(String disk, Job job) {
                if (jobs.containsKey(cx.domain() + "/" + disk)) {
                    // libvirt: "disk vda already in active block job"
                    throw new StepFailed(cx.domain(), disk, null, "disk " + disk + " already in active block job", null);
                }
                if (!cx.jobPermits().tryAcquire()) {
                    throw new IllegalStateException("no block-job permit free for " + disk);
                }
                jobs.put(cx.domain() + "/" + disk, job);
            }

            private void requireRunning(Step s) {
                if (!d.running) {
                    throw new StepFailed(cx.domain(), s.disk(), null, "a block job on a shut-off domain", null);
                }
            }

            private void requireNotOpen(Step s, String image) {
                for (var other : domains.values()) {
                    if (!other.running) {
                        continue;
                    }
                    for (String active : other.disks.values()) {
                        if (sim.chain(active).contains(image)) {
                            throw new StepFailed(cx.domain(), s.disk(), image,
                                    "qemu-img on " + image + " while QEMU has it open", null);
                        }
                    }
                }
            }
        });
    }
}
