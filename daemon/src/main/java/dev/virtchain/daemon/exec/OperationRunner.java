package dev.virtchain.daemon.exec;

import dev.virtchain.daemon.files.DestinationRefused;
import dev.virtchain.daemon.files.HostFiles;

import dev.virtchain.daemon.LogScope;
import dev.virtchain.daemon.ProgressSink;
import dev.virtchain.daemon.ledger.LedgerBook;
import dev.virtchain.daemon.ledger.OperationRecord;
import dev.virtchain.daemon.ledger.StoredLedger;
import dev.virtchain.libvirt.LibvirtHost;
import dev.virtchain.libvirt.image.QemuImg;
import dev.virtchain.model.Consistency;
import dev.virtchain.model.Disk;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.plan.AllocationFacts;
import dev.virtchain.model.plan.Intent;
import dev.virtchain.model.plan.Plan;
import dev.virtchain.model.plan.Planner;
import dev.virtchain.model.plan.Situation;
import dev.virtchain.model.plan.Step;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs intents as plans on the real host: <em>prepare</em> (read the truth, plan, claim the
 * domain's disks, check space and destinations; change nothing), <em>apply</em> (record each step
 * in the ledger file before issuing it, then record it done), and on failure <em>settle</em>
 * (undo what the failed stretch created when the truth is still what the ledger says; otherwise
 * leave the record for recovery, never guess).
 *
 * <p>{@link #resume} carries an operation a crash interrupted to its end: steps the truth shows
 * as done are skipped, block jobs QEMU still runs are watched again, the rest are run again
 * (every step is repeatable).
 */
public final class OperationRunner {
    private static final Logger log = LoggerFactory.getLogger(OperationRunner.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** How to run: {@code dryRun} plans only; {@code ignoreSpace} skips the free-space check. */
    public record Options(boolean dryRun, long bandwidthMiB, boolean ignoreSpace) {
        public static final Options DEFAULT = new Options(false, 0, false);
    }

    /** What ran: the plan and the ledger afterwards ({@code executed} false for a dry run). */
    public record Result(String operationId, Plan plan, Ledger ledger, boolean executed) {}

    /** An operation under way, for {@code status} and {@code job-list}. */
    public record Active(String operationId, String domain, String description, int step, int steps,
                         String phase, long done, long total, java.time.Instant started) {}

    private final Host host;
    private final LedgerBook book;
    private final Planner planner;
    private final DiskLocks locks;
    private final Semaphore jobPermits;
    private final CrashSite crash;
    private final Clock clock;
    private final long defaultBandwidthMiB;
    private final long minFreeBytes;
    private final Map<String, Active> active = new ConcurrentHashMap<>();
    private final OperationTally tally = new OperationTally();

    public OperationRunner(LibvirtHost host, QemuImg qemuImg, HostFiles files, LedgerBook book, Planner planner,
                           DiskLocks locks, int maxBlockJobs, CrashSite crash, Clock clock, long defaultBandwidthMiB,
                           long minFreeBytes) {
        this(host, qemuImg, files, book, planner, locks, maxBlockJobs, crash, clock, defaultBandwidthMiB, minFreeBytes,
                dev.virtchain.libvirt.SnapshotRequest.DEFAULT_AGENT_TIMEOUT);
    }

    /** @param agentTimeout how long a quiesced snapshot waits for the guest agent ({@code agent-timeout}) */
    public OperationRunner(LibvirtHost host, QemuImg qemuImg, HostFiles files, LedgerBook book, Planner planner,
                           DiskLocks locks, int maxBlockJobs, CrashSite crash, Clock clock, long defaultBandwidthMiB,
                           long minFreeBytes, java.time.Duration agentTimeout) {
        this(new LiveHost(host, qemuImg, files, book, agentTimeout), book, planner, locks, maxBlockJobs, crash, clock,
                defaultBandwidthMiB, minFreeBytes);
    }

    /** The executor on any {@link Host}: the real one, or the tests' simulated one. */
    public OperationRunner(Host host, LedgerBook book, Planner planner, DiskLocks locks, int maxBlockJobs,
                           CrashSite crash, Clock clock, long defaultBandwidthMiB, long minFreeBytes) {
        this.host = host;
        this.book = book;
        this.planner = planner;
        this.locks = locks;
        this.jobPermits = new Semaphore(Math.max(1, maxBlockJobs), true);
        this.crash = crash;
        this.clock = clock;
        this.defaultBandwidthMiB = defaultBandwidthMiB;
        this.minFreeBytes = minFreeBytes;
    }

    /** The domain's chains and state as the host shows them now. */
    public Observation observe(String domain) {
        return host.observe(domain);
    }

    public List<Active> active() {
        return List.copyOf(active.values());
    }

    /** What this runner did since the daemon started, for the metrics. */
    public OperationTally tally() {
        return tally;
    }

    /** Plans {@code intent} for {@code domain} and, unless a dry run, carries it out. */
    public Result run(String domain, Intent intent, Options options, ProgressSink progress) {
        if (options.dryRun()) {
            return runCounted(domain, intent, options, progress);
        }
        String kind = intent.kind();
        try {
            Result r = runCounted(domain, intent, options, progress);
            tally.operation(kind, OperationTally.Result.SUCCEEDED);
            return r;
        } catch (OperationRefused e) {
            tally.operation(kind, OperationTally.Result.REFUSED);
            throw e;
        } catch (RuntimeException | Error e) {
            tally.operation(kind, OperationTally.Result.FAILED);
            throw e;
        }
    }

    private Result runCounted(String domain, Intent intent, Options options, ProgressSink progress) {
        StoredLedger stored = book.byName(domain).orElseThrow(() -> new OperationRefused(
                OperationRefused.Reason.NOT_MANAGED, domain, null, null, "domain " + domain
                + " is not managed by virtchain; 'virtchain adopt " + domain + "' takes it over"));
        String id = newOperationId();
        return underClaims(domain, stored.ledger().diskTargets(), id, intent.describe(), busyAdvice(domain),
                () -> runClaimed(domain, id, intent, options, progress));
    }

    private Result runClaimed(String domain, String id, Intent intent, Options options, ProgressSink progress) {
        StoredLedger stored = book.byName(domain).orElseThrow(); // as of the claim: a finished operation may have moved it
        if (stored.operation().isPresent()) {
            OperationRecord op = stored.operation().get();
            throw new OperationRefused(OperationRefused.Reason.INTERRUPTED, domain, null, null,
                    "operation " + op.id() + " (" + op.description() + ") on " + domain
                    + " was interrupted at step " + (op.nextStep() + 1) + " of " + op.steps().size()
                    + " and awaits recovery; restart virtchaind or check 'virtchain status'");
        }
        Observation obs = host.observe(domain);
        Plan plan = planAroundExistingFiles(domain, intent, stored.ledger(), obs);
        if (options.dryRun()) {
            return new Result(id, plan, stored.ledger(), false);
        }
        if (!options.ignoreSpace()) {
            checkSpace(domain, plan);
        }
        checkDestinations(domain, plan);
        OperationRecord op = OperationRecord.begin(id, intent.kind(), intent.describe(), clock.instant(), plan.steps());
        stored = book.save(stored.with(op));
        log.info("operation {} on {}: {} ({} steps, {} bytes to copy)", id, domain, op.description(),
                plan.steps().size(), plan.estimatedBytes());
        long bandwidth = options.bandwidthMiB() > 0 ? options.bandwidthMiB() : defaultBandwidthMiB;
        for (Step s : plan.steps()) {
            s.traits().merge().ifPresent(k -> tally.planned(k, s.estimatedBytes()));
        }
        stored = apply(domain, stored, bandwidth, progress);
        return new Result(id, plan, stored.ledger(), true);
    }

    /**
     * Takes a domain virtchain has no ledger for into the book: one atomic write of its first
     * generation, under the domain's disk claims.
     *
     * @throws OperationRefused BUSY when something holds its disks
     * @throws dev.virtchain.daemon.ledger.StaleLedger when it has a ledger already
     */
    public StoredLedger adopt(Ledger ledger) {
        String domain = ledger.domainName();
        return underClaims(domain, ledger.diskTargets(), newOperationId(), "adopt " + domain, busyAdvice(domain),
                () -> book.save(StoredLedger.idle(ledger)));
    }

    /**
     * Changes a ledger in a way that moves no image (images stacked on top by hand taken in,
     * snapshots protected for a clone or no longer): an operation of one ledger step, recorded
     * before it is written, under the domain's disk claims. {@code change} sees the ledger as it
     * is once the claims are held; returning it unchanged writes nothing.
     *
     * @param advice what to do when the domain is busy, for the refusal's message
     * @return the ledger afterwards; empty when the book has none for {@code uuid}
     * @throws OperationRefused BUSY while another operation holds the domain or is recorded in it
     */
    public Optional<StoredLedger> rewrite(String uuid, String description, String advice, UnaryOperator<Ledger> change) {
        Optional<StoredLedger> known = book.byUuid(uuid);
        if (known.isEmpty() || change.apply(known.get().ledger()).equals(known.get().ledger())) {
            return known;
        }
        String domain = known.get().ledger().domainName();
        String id = newOperationId();
        return underClaims(domain, known.get().ledger().diskTargets(), id, description, advice, () -> {
            StoredLedger stored = book.byUuid(uuid).orElseThrow();
            if (stored.operation().isPresent()) {
                OperationRecord op = stored.operation().get();
                throw new OperationRefused(OperationRefused.Reason.BUSY, domain, null, null, "domain " + domain
                        + " is busy with operation " + op.id() + " (" + op.description() + "); " + advice);
            }
            Ledger next = change.apply(stored.ledger());
            if (next.equals(stored.ledger())) {
                return Optional.of(stored);
            }
            next.requireValid();
            OperationRecord op = OperationRecord.begin(id, "ledger", description, clock.instant(),
                    List.of(new Step.UpdateLedger(next)));
            return Optional.of(apply(domain, book.save(stored.with(op)), defaultBandwidthMiB, ProgressSink.DISCARD));
        });
    }

    /**
     * Sets aside the ledger of a domain libvirt no longer has (under {@code retired/}), unless an
     * operation is recorded in it: then it stays for recovery.
     *
     * @return true when it was retired
     */
    public boolean retire(String uuid) {
        Optional<StoredLedger> known = book.byUuid(uuid);
        if (known.isEmpty()) {
            return false;
        }
        String domain = known.get().ledger().domainName();
        return underClaims(domain, known.get().ledger().diskTargets(), newOperationId(), "retire the ledger of " + domain,
                busyAdvice(domain), () -> {
                    if (book.byUuid(uuid).map(s -> s.operation().isPresent()).orElse(true)) {
                        return false;
                    }
                    book.retire(uuid);
                    return true;
                });
    }

    /** What {@link #resume} did with an interrupted operation. */
    public enum Settled { COMPLETED, ROLLED_BACK }

    /**
     * Carries the interrupted operation of {@code stored} to its end. Throws when it cannot
     * (the record stays for the operator; the message says what is in the way).
     */
    public Settled resume(StoredLedger stored) {
        String domain = stored.ledger().domainName();
        OperationRecord op = stored.operation().orElseThrow();
        return underClaims(domain, stored.ledger().diskTargets(), op.id(), op.description(), busyAdvice(domain),
                () -> {
                    log.info("resuming operation {} on {} at step {} of {}: {}", op.id(), domain, op.nextStep() + 1,
                            op.steps().size(), op.description());
                    try {
                        StoredLedger left = skipDone(domain, stored);
                        if (left.operation().isPresent()) {
                            apply(domain, left, defaultBandwidthMiB, ProgressSink.DISCARD);
                        }
                        return Settled.COMPLETED;
                    } catch (StepFailed e) {
                        if (book.byName(domain).orElseThrow().operation().isEmpty()) {
                            return Settled.ROLLED_BACK;
                        }
                        throw e;
                    }
                });
    }

    /**
     * The planner skips overlay names its ledger knows; a file of that name can still exist (left
     * by hand, or by another tool). Names are never reused, so move the counter past it and plan
     * again.
     */
    private Plan planAroundExistingFiles(String domain, Intent intent, Ledger ledger, Observation obs) {
        AllocationFacts facts = host.facts(domain, ledger, obs);
        Ledger l = ledger;
        for (int attempt = 0; attempt < 1000; attempt++) {
            Plan plan = planner.plan(intent, new Situation(l, obs.chains(), facts, obs.state()));
            Optional<String> taken = plan.steps().stream()
                    .filter(s -> s instanceof Step.CreateOverlay c && host.exists(c.path()))
                    .map(s -> ((Step.CreateOverlay) s).path()).findFirst();
            if (taken.isEmpty()) {
                return plan;
            }
            log.info("{} exists though the ledger of {} does not know it; choosing another overlay name", taken.get(), domain);
            l = l.withNextImageSeq(l.nextImageSeq() + 1);
        }
        throw new OperationRefused(OperationRefused.Reason.EXISTS, domain, null, null, "cannot find a free overlay name"
                + " next to the active images of " + domain + " after 1000 tries; clean up the image directory");
    }

    // --- apply ------------------------------------------------------------------------------------

    /**
     * Runs the operation's remaining steps: each is recorded as starting before it is issued and
     * as done once it has happened, in writes of their own, so that the previous generation of
     * the ledger file is always one event behind the current one (recovery from it, when the
     * current file is damaged, finds the truth at most one step ahead). A ledger rewrite, which
     * changes nothing outside the file, is one write; so is the end of the last step and of the
     * operation.
     */
    private StoredLedger apply(String domain, StoredLedger stored, long bandwidthMiB, ProgressSink progress) {
        try {
            return applySteps(domain, stored, bandwidthMiB, progress);
        } finally {
            host.freeRemoved(); // after the last record: freeing a large file keeps a processor busy
        }
    }

    private StoredLedger applySteps(String domain, StoredLedger stored, long bandwidthMiB, ProgressSink progress) {
        OperationRecord op = stored.operation().orElseThrow();
        AtomicReference<Taken> got = new AtomicReference<>();
        AtomicReference<java.time.Instant> takenAt = new AtomicReference<>();
        ProgressSink tracked = track(domain, op, progress);
        while (!op.finished()) {
            Step step = op.currentStep();
            int index = op.nextStep();
            op = op.starting();
            if (step instanceof Step.UpdateLedger update) {
                // No "started" record: the rewrite touches nothing outside the file, so its one
                // write is the whole step (and, as the last step, the operation's end).
                crash.reach(new CrashPoint(CrashPoint.Where.AFTER_RECORD, index));
                track(domain, op, progress);
                Ledger next = update.ledger();
                if (got.get() != null) {
                    next = withTaken(next, op, got.get(), takenAt.get());
                }
                op = op.stepDone();
                stored = book.save(op.finished() ? stored.with(next).idle() : stored.with(next).with(op));
                crash.reach(new CrashPoint(CrashPoint.Where.AFTER_LEDGER, index));
                continue;
            }
            stored = book.save(stored.with(op));
            crash.reach(new CrashPoint(CrashPoint.Where.AFTER_RECORD, index));
            track(domain, op, progress);
            // The last total a job reported is what QEMU counted as the work of the merge.
            java.util.concurrent.atomic.AtomicLong jobTotal = new java.util.concurrent.atomic.AtomicLong();
            ProgressSink measured = (phase, done, total, message) -> {
                if (total > 0) {
                    jobTotal.set(total);
                }
                tracked.progress(phase, done, total, message);
            };
            StepContext cx = new StepContext(domain, stored.ledger(), index, bandwidthMiB, measured, jobPermits, crash,
                    t -> {
                        got.set(t);
                        takenAt.set(clock.instant());
                    }, path -> otherLedgerNaming(domain, path));
            try (LogScope scope = LogScope.domain(domain).and(LogScope.OP, op.id()).and(LogScope.DISK, step.disk())) {
                log.info("step {} of {}: {}", op.nextStep() + 1, op.steps().size(), step);
                host.run(step, cx);
            } catch (RuntimeException e) {
                throw settle(domain, stored, e);
            }
            crash.reach(new CrashPoint(CrashPoint.Where.AFTER_STEP, index));
            step.traits().merge().ifPresent(k -> tally.copied(k, jobTotal.get()));
            if (step instanceof Step.TakeSnapshot t && t.quiesce() == dev.virtchain.model.plan.QuiesceMode.AUTO
                    && got.get() != null && got.get().consistency() == Consistency.CRASH && runningNow(domain)) {
                tally.quiesceFellBack(domain);
            }
            op = op.stepDone();
            // The last step's end is the operation's: one write.
            stored = book.save(op.finished() ? stored.idle() : stored.with(op));
        }
        if (stored.operation().isPresent()) {
            stored = book.save(stored.idle());
        }
        log.info("operation {} on {} done", op.id(), domain);
        return stored;
    }

    /** A shut-off domain's snapshot is consistent without the agent: only a running one falls back. */
    private boolean runningNow(String domain) {
        try {
            return host.isRunning(domain);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The name of another managed domain whose ledger names {@code path}, if any: then it is not ours to delete. */
    private Optional<String> otherLedgerNaming(String domain, String path) {
        for (StoredLedger other : book.all()) {
            if (other.ledger().domainName().equals(domain)) {
                continue;
            }
            for (Disk d : other.ledger().disks()) {
                if (d.contains(path)) {
                    return Optional.of(other.ledger().domainName());
                }
            }
        }
        return Optional.empty();
    }

    /**
     * The snapshot just taken gets the consistency libvirt actually gave (quiesce AUTO may fall
     * back), the reason when it did, and the time it was taken (after any wait for the agent).
     */
    private static Ledger withTaken(Ledger l, OperationRecord op, Taken t, java.time.Instant when) {
        for (Step s : op.steps()) {
            if (s instanceof Step.TakeSnapshot ts && l.snapshot(ts.snapshot()).isPresent()) {
                return l.withTaken(ts.snapshot(), t.consistency(), t.note(),
                        when == null ? l.snapshot(ts.snapshot()).get().created() : when);
            }
        }
        return l;
    }

    /**
     * After step {@code nextStep} failed: if nothing since the ledger was last written moved the
     * truth away from it, remove what that stretch created and drop the record (the operation
     * never happened); otherwise keep the record for recovery. Returns the error to throw, with
     * cleanup problems attached.
     */
    private StepFailed settle(String domain, StoredLedger stored, RuntimeException cause) {
        OperationRecord op = stored.operation().orElseThrow();
        Step failed = op.currentStep();
        StepFailed error = cause instanceof StepFailed sf ? sf
                : new StepFailed(domain, failed.disk(), null, "step " + (op.nextStep() + 1) + " of " + op.steps().size()
                        + " (" + failed.getClass().getSimpleName() + ") of operation " + op.id() + " on " + domain
                        + " failed: " + cause.getMessage(), cause);
        try {
            // A job the failed step started (or was to end) may still run: an active commit or a
            // copy would otherwise mirror forever, and hold the disk against every later job.
            if (failed.traits().job().isPresent()) {
                abortReadyJob(domain, failed.disk(), error);
            }
            int lastPersisted = -1;
            for (int i = 0; i < op.nextStep(); i++) {
                if (op.steps().get(i) instanceof Step.UpdateLedger) {
                    lastPersisted = i;
                }
            }
            List<Step> stretch = op.steps().subList(lastPersisted + 1, op.nextStep() + 1);
            boolean movedTruth = stretch.subList(0, stretch.size() - 1).stream().anyMatch(s -> s.traits().movesChains());
            Observation now = host.observe(domain);
            if (!movedTruth && chainsMatch(stored.ledger(), now)) {
                for (Step s : stretch) {
                    // Exports clean up their own partial file; their destination appears only when complete.
                    if (s instanceof Step.CreateOverlay || s instanceof Step.CreateCopyTarget) {
                        s.traits().creates().filter(f -> !now.inAnyChain(f)).ifPresent(f -> delete(f, error));
                    }
                }
                book.save(stored.idle());
                log.warn("operation {} on {} failed and was rolled back: {}", op.id(), domain, error.getMessage());
            } else {
                log.error("operation {} on {} failed at step {} after it had changed the chains; its record stays"
                        + " for recovery: {}", op.id(), domain, op.nextStep() + 1, error.getMessage());
            }
        } catch (RuntimeException e) {
            error.addSuppressed(e);
        }
        return error;
    }

    private void abortReadyJob(String domain, String disk, StepFailed error) {
        try {
            host.abortJob(domain, disk);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error.addSuppressed(e);
        } catch (Exception e) {
            error.addSuppressed(e);
        }
    }

    private static boolean chainsMatch(Ledger l, Observation obs) {
        for (Disk d : l.disks()) {
            List<String> seen = obs.chains().chains().get(d.target());
            if (seen == null || !seen.equals(d.activeChain())) {
                return false;
            }
        }
        return true;
    }

    private void delete(String file, StepFailed error) {
        try {
            host.deleteIfExists(file);
        } catch (IOException e) {
            error.addSuppressed(new IOException("could not remove " + file + " left by the failed operation; delete it by hand", e));
        }
    }

    // --- resume -----------------------------------------------------------------------------------

    /**
     * Skips the steps the truth shows as done, and re-attaches a block job QEMU still runs for the
     * step that was under way. Everything else is run again by {@link #apply}.
     */
    private StoredLedger skipDone(String domain, StoredLedger stored) {
        OperationRecord op = stored.operation().orElseThrow();
        Observation obs = host.observe(domain, op.steps().subList(op.nextStep(), op.steps().size()));
        while (!op.finished()) {
            Step step = op.currentStep();
            if (step instanceof Step.UpdateLedger update) {
                // Written again (it is idempotent), and the steps after it are checked against the
                // truth too: a record read from the previous generation, when the current file was
                // damaged, can be a ledger step and a started step behind what happened.
                op = op.stepDone();
                stored = book.save(op.finished() ? stored.with(update.ledger()).idle()
                        : stored.with(update.ledger()).with(op));
                if (op.finished()) {
                    break;
                }
                obs = host.observe(domain, op.steps().subList(op.nextStep(), op.steps().size()));
                continue;
            }
            boolean done = step.expected().isObservable() && step.done(obs.chains());
            if (!done && op.stepStarted() && obs.running()) {
                Host.Reattached r = host.reattach(domain, step, obs, defaultBandwidthMiB);
                if (r == Host.Reattached.READY) {
                    jobPermits.acquireUninterruptibly(); // the pivot step releases it
                }
                done = r != Host.Reattached.NOT_DONE;
            }
            if (!done) {
                break;
            }
            log.info("step {} of {} already happened: {}", op.nextStep() + 1, op.steps().size(), step);
            if (step instanceof Step.Convert || step instanceof Step.ConvertDiff) {
                step.traits().creates().ifPresent(host::dropLinkedPartial);
            }
            op = op.stepDone();
            stored = book.save(stored.with(op));
            obs = host.observe(domain, op.steps().subList(op.nextStep(), op.steps().size()));
        }
        return stored;
    }

    // --- prepare ----------------------------------------------------------------------------------

    private static String busyAdvice(String domain) {
        return "wait for it ('virtchain job-list " + domain + "') or abort its job";
    }

    /**
     * Runs {@code work} as operation {@code id} holding the claims on {@code disks} of
     * {@code domain}, which every change of a ledger takes: refused as BUSY, with {@code advice},
     * while another operation holds any of them.
     */
    private <T> T underClaims(String domain, Collection<String> disks, String id, String description, String advice,
                              java.util.function.Supplier<T> work) {
        Set<String> claimed = Set.copyOf(disks);
        locks.tryClaim(domain, claimed, new DiskLocks.Holder(id, description)).ifPresent(h -> {
            throw new OperationRefused(OperationRefused.Reason.BUSY, domain, null, null, "domain " + domain
                    + " is busy with operation " + h.operationId() + " (" + h.description() + "); " + advice);
        });
        try (LogScope scope = LogScope.domain(domain).and(LogScope.OP, id)) {
            return work.get();
        } finally {
            active.remove(domain);
            locks.release(domain, claimed, id);
        }
    }

    private void checkSpace(String domain, Plan plan) {
        for (Map.Entry<String, Long> e : plan.bytesByDirectory().entrySet()) {
            if (e.getValue() <= 0) {
                continue;
            }
            long free;
            try {
                free = host.usableSpace(e.getKey());
            } catch (IOException x) {
                throw new OperationRefused(OperationRefused.Reason.NO_SPACE, domain, null, e.getKey(),
                        "cannot read the free space of " + e.getKey() + ": " + x.getMessage());
            }
            long needed = e.getValue() + minFreeBytes;
            if (free < needed) {
                throw new OperationRefused(OperationRefused.Reason.NO_SPACE, domain, null, e.getKey(),
                        "not enough space in " + e.getKey() + " for " + plan.intent().describe() + ": it needs up to "
                        + e.getValue() + " bytes plus the " + minFreeBytes + "-byte margin, " + free
                        + " are free; free some space (or delete older snapshots first)");
            }
        }
    }

    /** Export and copy destinations: under export-dirs or copy-dirs, in a root-only directory, not there yet. */
    private void checkDestinations(String domain, Plan plan) {
        for (Step s : plan.steps()) {
            s.traits().creates().filter(f -> !(s instanceof Step.CreateOverlay)).ifPresent(f -> {
                try {
                    host.checkDestination(s, f);
                } catch (DestinationRefused e) {
                    throw new OperationRefused(OperationRefused.Reason.EXISTS, domain, s.disk(), f, e.getMessage());
                }
            });
        }
    }

    private ProgressSink track(String domain, OperationRecord op, ProgressSink client) {
        Active a = active.get(domain);
        active.put(domain, new Active(op.id(), domain, op.description(), op.nextStep() + 1, op.steps().size(),
                a == null ? "start" : a.phase(), a == null ? 0 : a.done(), a == null ? 0 : a.total(), op.started()));
        return (phase, done, total, message) -> {
            active.computeIfPresent(domain, (k, v) -> new Active(v.operationId(), v.domain(), v.description(), v.step(),
                    v.steps(), phase, done, total, v.started()));
            client.progress(phase, done, total, message);
        };
    }

    private static String newOperationId() {
        byte[] b = new byte[4];
        RANDOM.nextBytes(b);
        return "op-" + HexFormat.of().formatHex(b);
    }
}
