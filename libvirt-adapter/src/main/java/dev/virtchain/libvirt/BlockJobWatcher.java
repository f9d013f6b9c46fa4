package dev.virtchain.libvirt;

import dev.virtchain.libvirt.ChainVerdict.Intent;
import dev.virtchain.libvirt.ChainVerdict.Verdict;
import dev.virtchain.libvirt.JobProbe.JobInfo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.libvirt.event.BlockJobStatus;
import org.libvirt.event.BlockJobType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches one block job until it ends and says how it ended; pivots, finishes or aborts it on
 * request. One watcher per job, fed by two sources because neither suffices alone: BLOCK_JOB_2
 * events (prompt, but lost while the connection is down and possibly stale) and polling of
 * {@code virDomainGetBlockJobInfo} (always current, but "no job" does not say whether the job
 * completed or failed, and {@code cur == end} is not READY). READY is taken from the READY event
 * or from the live XML's {@code <mirror ready='yes'>}; the outcome from the disk's chain read after
 * the job is gone ({@link ChainVerdict}).
 *
 * <p>Everything the watcher does runs on its own {@link SerialExecutor}, so the state machine is
 * single-threaded; the futures and {@link #state()} may be read from any thread.
 */
public final class BlockJobWatcher {
    private static final Logger LOG = LoggerFactory.getLogger(BlockJobWatcher.class);
    /** Chain reads before an unexplained "unchanged" is believed (libvirt may still be updating it). */
    private static final int SETTLE_READS = 4;
    /** A running mirror job's XML is checked for readiness at least every this many polls. */
    private static final int MIRROR_CHECK_EVERY = 8;

    private final BlockJob job;
    private final JobProbe probe;
    private final ScheduledExecutorService scheduler;
    private final SerialExecutor serial;
    private final BlockJobObserver observer;
    private final HostOptions options;
    private final Consumer<BlockJobWatcher> onEnd;
    private final AtomicBoolean pollQueued = new AtomicBoolean();
    private final CompletableFuture<BlockJobOutcome> outcome = new CompletableFuture<>();
    private final CompletableFuture<BlockJobWatcher> ready = new CompletableFuture<>();

    // Touched only on the serial executor; volatile where other threads read.
    private volatile BlockJobState state = BlockJobState.RUNNING;
    private volatile BlockJobProgress progress;
    private Intent intent = Intent.NONE;
    private boolean wasReady;
    private BlockJobStatus lastEvent;
    private boolean checkMirrorNow = true;
    private int pollsSinceMirrorCheck;
    private int settleReads;
    private int pivotRefusals;
    private Duration pivotBackoff;
    private CompletableFuture<BlockJobOutcome> pivotResult;
    private CompletableFuture<BlockJobOutcome> abortResult;
    private ScheduledFuture<?> pollTask;
    /** Set by {@link #detach()}: a retry or poll still queued must not touch the job anymore. */
    private volatile boolean detached;

    BlockJobWatcher(BlockJob job, JobProbe probe, ScheduledExecutorService scheduler, BlockJobObserver observer,
                    HostOptions options, Consumer<BlockJobWatcher> onEnd) {
        this.job = job;
        this.probe = probe;
        this.scheduler = scheduler;
        this.serial = new SerialExecutor(scheduler);
        this.observer = observer;
        this.options = options;
        this.onEnd = onEnd;
        this.pivotBackoff = options.retryFirstBackoff();
    }

    public BlockJob job() {
        return job;
    }

    public BlockJobState state() {
        return state;
    }

    /** The last progress libvirt reported, empty before the first poll. */
    public Optional<BlockJobProgress> progress() {
        return Optional.ofNullable(progress);
    }

    /** Completes when the job ended, with the verdict from the chain. Never completes exceptionally. */
    public CompletableFuture<BlockJobOutcome> outcome() {
        return outcome;
    }

    /** Completes when the job is READY; fails if it ends first. Only for active commits and copies. */
    public CompletableFuture<BlockJobWatcher> whenReady() {
        return ready;
    }

    /**
     * Pivots once the job is READY (at once if it is), retrying a refused pivot with doubling
     * backoff up to {@link HostOptions#retryAttempts()} times. Completes with the job's outcome;
     * fails with {@link PivotRefusedException} when the attempts ran out (the job keeps running).
     */
    public CompletableFuture<BlockJobOutcome> pivot() {
        CompletableFuture<BlockJobOutcome> result = new CompletableFuture<>();
        serial.execute(() -> {
            if (!requestEnd(Intent.PIVOT, result)) {
                return;
            }
            pivotResult = result;
            pivotRefusals = 0;
            pivotBackoff = options.retryFirstBackoff();
            if (state == BlockJobState.READY) {
                attemptPivot();
            }
        });
        return result;
    }

    /**
     * Ends a copy without pivot once it is READY: the guest stays on its chain and the destination
     * keeps a consistent copy (libvirt reports this as CANCELED; the outcome says COMPLETED).
     */
    public CompletableFuture<BlockJobOutcome> finish() {
        CompletableFuture<BlockJobOutcome> result = new CompletableFuture<>();
        serial.execute(() -> {
            if (job.kind() != BlockJobKind.COPY) {
                result.completeExceptionally(new IllegalStateException(job + ": only a copy can finish without pivot"));
                return;
            }
            if (!requestEnd(Intent.FINISH, result)) {
                return;
            }
            abortResult = result;
            if (state == BlockJobState.READY) {
                issueAbort();
            }
        });
        return result;
    }

    /** Cancels the job now, whatever its phase; the chain stays as it was (unless it already finished). */
    public CompletableFuture<BlockJobOutcome> abort() {
        CompletableFuture<BlockJobOutcome> result = new CompletableFuture<>();
        serial.execute(() -> {
            if (state.isTerminal()) {
                result.complete(outcome.join());
                return;
            }
            if (intent == Intent.PIVOT && pivotResult != null) {
                pivotResult.completeExceptionally(new IllegalStateException(job + ": aborted before the pivot"));
                pivotResult = null;
            }
            intent = Intent.ABORT;
            abortResult = result;
            if (state == BlockJobState.RUNNING || state == BlockJobState.READY) {
                issueAbort();
            }
        });
        return result;
    }

    /** Changes the job's speed limit (MiB/s, 0 = unlimited) through virDomainBlockJobSetSpeed. */
    public CompletableFuture<Void> setBandwidth(long bandwidthMiB) {
        if (bandwidthMiB < 0) {
            throw new IllegalArgumentException("bandwidth must be >= 0 MiB/s, was " + bandwidthMiB);
        }
        CompletableFuture<Void> result = new CompletableFuture<>();
        serial.execute(() -> {
            try {
                probe.setSpeed(job.domain(), job.disk(), bandwidthMiB);
                result.complete(null);
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    /** Stops watching; the job keeps running in QEMU and can be watched again later. */
    public void detach() {
        detached = true;
        serial.execute(this::stopPolling);
        onEnd.accept(this);
    }

    // --- fed by the registry ---------------------------------------------------------------------

    void start() {
        pollTask = scheduler.scheduleWithFixedDelay(this::queuePoll, 0,
                options.jobPollInterval().toMillis(), TimeUnit.MILLISECONDS);
    }

    void onEvent(BlockJobType type, BlockJobStatus status) {
        serial.execute(() -> handleEvent(type, status));
    }

    /** After a reconnect: events in between are lost, so look again, and redo what may not have happened. */
    void onReconnected() {
        serial.execute(() -> {
            checkMirrorNow = true;
            poll();
            if (state == BlockJobState.READY && intent == Intent.PIVOT) {
                attemptPivot();
            } else if (state == BlockJobState.ABORTING) {
                issueAbort();
            }
        });
    }

    // --- the state machine, on the serial executor ---------------------------------------------

    private boolean requestEnd(Intent wanted, CompletableFuture<BlockJobOutcome> result) {
        if (!job.kind().hasReadyPhase()) {
            result.completeExceptionally(new IllegalStateException(job + " has no READY phase to end"));
            return false;
        }
        if (state.isTerminal()) {
            result.complete(outcome.join());
            return false;
        }
        if (intent != Intent.NONE && intent != wanted) {
            result.completeExceptionally(new IllegalStateException(job + " is already asked to " + intent));
            return false;
        }
        intent = wanted;
        return true;
    }

    private void handleEvent(BlockJobType type, BlockJobStatus status) {
        if (detached || state.isTerminal() || !job.kind().matches(type)) {
            return;
        }
        LOG.debug("{}: event {}", job, status);
        switch (status) {
            case READY -> {
                // libvirt emits READY only when QEMU says so; duplicates (seen for copies) are no-ops.
                if (state == BlockJobState.RUNNING) {
                    becomeReady("READY event");
                } else if (state == BlockJobState.ABORTING) {
                    wasReady = true;
                }
            }
            case COMPLETED, FAILED, CANCELED -> {
                lastEvent = status;
                poll(); // confirms: a stale event of an earlier job finds our job still there
            }
            default -> { }
        }
    }

    private void queuePoll() {
        if (pollQueued.compareAndSet(false, true)) {
            serial.execute(() -> {
                pollQueued.set(false);
                poll();
            });
        }
    }

    private void poll() {
        if (detached || state.isTerminal()) {
            return;
        }
        if (state == BlockJobState.CONCLUDING) {
            readVerdict();
            return;
        }
        Optional<JobInfo> info;
        try {
            info = probe.jobInfo(job.domain(), job.disk());
        } catch (DomainNotFoundException e) {
            vanish("the domain no longer exists: " + e.getMessage());
            return;
        } catch (LibvirtUnreachableException e) {
            return; // the reconnect brings a poll
        } catch (HypervisorException e) {
            LOG.warn("{}: cannot read the job's state; trying again", job, e);
            return;
        }
        if (info.isEmpty() || info.get().type() != job.kind().libvirtType()) {
            conclude();
            return;
        }
        lastEvent = null; // a terminal event while the job still runs was about an earlier job
        JobInfo i = info.get();
        BlockJobProgress p = new BlockJobProgress(i.cur(), i.end(), i.bandwidthMiB());
        if (!p.equals(progress)) {
            progress = p;
            notifyObserver(() -> observer.onProgress(job, p));
        }
        if (job.kind().hasReadyPhase() && state == BlockJobState.RUNNING) {
            // cur == end is only a hint (libvirt shows cur = end - 1 until QEMU is ready); the XML decides.
            boolean hint = i.end() > 0 && i.cur() == i.end();
            if (checkMirrorNow || hint || ++pollsSinceMirrorCheck >= MIRROR_CHECK_EVERY) {
                checkMirrorNow = false;
                pollsSinceMirrorCheck = 0;
                try {
                    if (probe.mirrorReady(job.domain(), job.disk())) {
                        becomeReady("the live XML shows the mirror ready");
                    }
                } catch (HypervisorException e) {
                    LOG.debug("{}: cannot read the mirror state", job, e);
                }
            }
        }
    }

    private void becomeReady(String why) {
        LOG.info("{} is READY ({})", job, why);
        move(BlockJobState.READY);
        wasReady = true;
        ready.complete(this);
        if (intent == Intent.PIVOT) {
            attemptPivot();
        } else if (intent == Intent.FINISH) {
            issueAbort();
        }
    }

    private void attemptPivot() {
        if (detached || state != BlockJobState.READY || intent != Intent.PIVOT) {
            return;
        }
        move(BlockJobState.PIVOTING);
        try {
            probe.pivot(job.domain(), job.disk());
        } catch (PivotRefusedException e) {
            move(BlockJobState.READY);
            pivotRefusals++;
            int attempt = pivotRefusals;
            notifyObserver(() -> observer.onPivotRefused(job, attempt, e));
            if (pivotRefusals >= options.retryAttempts()) {
                LOG.warn("{}: pivot refused {} times; giving up, the job stays READY", job, pivotRefusals);
                intent = Intent.NONE;
                failPivot(e);
                return;
            }
            Duration wait = pivotBackoff;
            pivotBackoff = pivotBackoff.multipliedBy(2);
            LOG.info("{}: pivot refused (attempt {}), retrying in {}", job, attempt, wait);
            scheduler.schedule(() -> serial.execute(this::attemptPivot), wait.toMillis(), TimeUnit.MILLISECONDS);
            return;
        } catch (LibvirtUnreachableException e) {
            // Whether the pivot happened is unknown; the poll after the reconnect tells, and
            // onReconnected() pivots again if the job is still READY.
            move(BlockJobState.READY);
            return;
        } catch (HypervisorException e) {
            move(BlockJobState.READY);
            intent = Intent.NONE;
            failPivot(e);
            return;
        }
        poll(); // a pivot returns once libvirt switched the disk: the job is gone
    }

    private void issueAbort() {
        if (state != BlockJobState.ABORTING) {
            move(BlockJobState.ABORTING);
        }
        try {
            probe.abort(job.domain(), job.disk());
        } catch (LibvirtUnreachableException e) {
            return; // stays ABORTING; onReconnected() aborts again if the job is still there
        } catch (HypervisorException e) {
            // Most likely the job ended by itself a moment ago; the poll decides.
            LOG.info("{}: abort failed ({}); checking whether the job is still there", job, e.getMessage());
            poll();
            if (!state.isTerminal() && state != BlockJobState.CONCLUDING) {
                move(wasReady ? BlockJobState.READY : BlockJobState.RUNNING);
                intent = Intent.NONE;
                if (abortResult != null) {
                    abortResult.completeExceptionally(e);
                    abortResult = null;
                }
            }
            return;
        }
        poll();
    }

    private void conclude() {
        if (state != BlockJobState.CONCLUDING) {
            move(BlockJobState.CONCLUDING);
            settleReads = 0;
        }
        readVerdict();
    }

    private void readVerdict() {
        Optional<List<Path>> chain;
        try {
            chain = probe.liveChain(job.domain(), job.disk());
        } catch (DomainNotFoundException e) {
            vanish("the domain no longer exists: " + e.getMessage());
            return;
        } catch (HypervisorException e) {
            LOG.info("{}: cannot read the chain yet ({}); the next poll tries again", job, e.getMessage());
            return;
        }
        if (chain.isEmpty()) {
            vanish("the domain stopped (or the disk was unplugged) while the job ran; the image headers tell what happened");
            return;
        }
        Verdict v = ChainVerdict.decide(job, chain.get(), intent, wasReady, lastEvent);
        if (!v.settled() && ++settleReads < SETTLE_READS) {
            LOG.debug("{}: provisional verdict {} ({}); reading the chain again", job, v.state(), v.reason());
            return; // the next poll reads again
        }
        end(v.state(), chain.get(), v.reason());
    }

    private void vanish(String reason) {
        if (state != BlockJobState.CONCLUDING) {
            move(BlockJobState.CONCLUDING);
        }
        end(BlockJobState.VANISHED, List.of(), reason);
    }

    private void end(BlockJobState terminal, List<Path> chainAfter, String reason) {
        move(terminal);
        stopPolling();
        BlockJobOutcome result = new BlockJobOutcome(job, terminal, chainAfter, reason);
        LOG.info("{} ended {}: {}", job, terminal, reason);
        // READY can no longer come: settle it first, so whoever wakes on the outcome sees both settled.
        if (!ready.isDone()) {
            ready.completeExceptionally(new IllegalStateException(job + " ended " + terminal + " before READY: " + reason));
        }
        outcome.complete(result);
        if (pivotResult != null) {
            pivotResult.complete(result);
        }
        if (abortResult != null) {
            abortResult.complete(result);
        }
        onEnd.accept(this);
    }

    private void failPivot(HypervisorException e) {
        if (pivotResult != null) {
            pivotResult.completeExceptionally(e);
            pivotResult = null;
        }
    }

    private void move(BlockJobState next) {
        BlockJobState from = state;
        if (!from.canBecome(next)) {
            throw new IllegalStateException(job + ": no transition from " + from + " to " + next);
        }
        state = next;
        notifyObserver(() -> observer.onStateChange(job, from, next));
    }

    private void stopPolling() {
        if (pollTask != null) {
            pollTask.cancel(false);
        }
    }

    private void notifyObserver(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            LOG.warn("{}: observer failed", job, e);
        }
    }
}
