package dev.virtchain.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.libvirt.event.BlockJobStatus;
import org.libvirt.event.BlockJobType;

/** The watcher's state machine against a fake libvirt that behaves as measured on libvirt 9.0. */
class BlockJobWatcherTest {
    private static final Path V = Path.of("/images/web/v.qcow2");
    private static final Path V1 = Path.of("/images/web/v.1.qcow2");
    private static final Path V2 = Path.of("/images/web/v.2.qcow2");
    private static final Path V3 = Path.of("/images/web/v.3.qcow2");
    private static final List<Path> BEFORE = List.of(V3, V2, V1, V);

    private static final BlockJob PULL = new BlockJob("web", "vda", BlockJobKind.PULL, BEFORE, List.of(V3, V1, V), null, 1);
    private static final BlockJob ACTIVE = new BlockJob("web", "vda", BlockJobKind.ACTIVE_COMMIT, BEFORE, List.of(V2, V1, V), null, 0);

    private final ScheduledExecutorService pool = Executors.newScheduledThreadPool(2);
    private final HostOptions options = HostOptions.defaults().withJobPollInterval(Duration.ofMillis(10))
            .withRetries(4, Duration.ofMillis(10));
    private final List<String> seen = new CopyOnWriteArrayList<>();
    private final BlockJobObserver recording = new BlockJobObserver() {
        @Override
        public void onStateChange(BlockJob job, BlockJobState from, BlockJobState to) {
            seen.add(to.name());
        }

        @Override
        public void onPivotRefused(BlockJob job, int attempt, PivotRefusedException refusal) {
            seen.add("refused#" + attempt);
        }
    };

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    private BlockJobWatcher watch(BlockJob job, FakeJobProbe probe) {
        BlockJobWatcher w = new BlockJobWatcher(job, probe, pool, recording, options, x -> { });
        w.start();
        return w;
    }

    private static BlockJobOutcome await(CompletableFuture<BlockJobOutcome> f) {
        return f.orTimeout(10, TimeUnit.SECONDS).join();
    }

    @Test
    void aJobThatEndsWithoutAnyEventIsJudgedByItsChain() {
        FakeJobProbe probe = new FakeJobProbe(PULL);
        BlockJobWatcher w = watch(PULL, probe);
        probe.progress(1 << 20, 64 << 20);
        probe.end(List.of(V3, V1, V));
        BlockJobOutcome out = await(w.outcome());
        assertEquals(BlockJobState.COMPLETED, out.state());
        assertEquals(List.of(V3, V1, V), out.chainAfter());
        assertEquals(List.of("CONCLUDING", "COMPLETED"), seen);
    }

    @Test
    void noJobWithAnUnchangedChainIsAFailureNotASuccess() {
        FakeJobProbe probe = new FakeJobProbe(PULL);
        BlockJobWatcher w = watch(PULL, probe);
        probe.end(BEFORE);
        BlockJobOutcome out = await(w.outcome());
        assertEquals(BlockJobState.FAILED, out.state(), out.reason());
    }

    @Test
    void libvirtsFailedEventIsTakenAtItsWordOnceTheChainConfirms() {
        FakeJobProbe probe = new FakeJobProbe(PULL);
        BlockJobWatcher w = watch(PULL, probe);
        probe.end(BEFORE);
        w.onEvent(BlockJobType.PULL, BlockJobStatus.FAILED);
        assertEquals(BlockJobState.FAILED, await(w.outcome()).state());
    }

    @Test
    void curEqualToEndIsNotReadyUntilTheXmlSaysSo() throws InterruptedException {
        FakeJobProbe probe = new FakeJobProbe(ACTIVE);
        BlockJobWatcher w = watch(ACTIVE, probe);
        probe.progress(8 << 20, 8 << 20);
        Thread.sleep(150);
        assertEquals(BlockJobState.RUNNING, w.state());
        assertFalse(w.whenReady().isDone());
        probe.becomeReady();
        w.whenReady().orTimeout(10, TimeUnit.SECONDS).join();
        assertEquals(BlockJobState.READY, w.state());
    }

    @Test
    void aReadyEventMakesTheJobReadyAndDuplicatesDoNothing() {
        FakeJobProbe probe = new FakeJobProbe(ACTIVE);
        BlockJobWatcher w = watch(ACTIVE, probe);
        w.onEvent(BlockJobType.ACTIVE_COMMIT, BlockJobStatus.READY);
        w.onEvent(BlockJobType.ACTIVE_COMMIT, BlockJobStatus.READY);
        w.whenReady().orTimeout(10, TimeUnit.SECONDS).join();
        assertEquals(List.of("READY"), seen);
    }

    @Test
    void aPivotRequestedBeforeReadyWaitsForReady() throws InterruptedException {
        FakeJobProbe probe = new FakeJobProbe(ACTIVE);
        BlockJobWatcher w = watch(ACTIVE, probe);
        CompletableFuture<BlockJobOutcome> pivot = w.pivot();
        Thread.sleep(100);
        assertEquals(0, probe.pivotCalls(), "no pivot is tried while the job is not READY");
        probe.becomeReady();
        BlockJobOutcome out = await(pivot);
        assertEquals(BlockJobState.COMPLETED, out.state(), out.reason());
        assertEquals(List.of(V2, V1, V), out.chainAfter());
        assertEquals(List.of("READY", "PIVOTING", "CONCLUDING", "COMPLETED"), seen);
    }

    @Test
    void aRefusedPivotIsRetriedWithBackoffUntilItSucceeds() {
        FakeJobProbe probe = new FakeJobProbe(ACTIVE);
        probe.becomeReady();
        probe.refusePivots(2);
        BlockJobWatcher w = watch(ACTIVE, probe);
        BlockJobOutcome out = await(w.pivot());
        assertEquals(BlockJobState.COMPLETED, out.state());
        assertEquals(3, probe.pivotCalls());
        assertEquals(List.of("READY", "PIVOTING", "READY", "refused#1", "PIVOTING", "READY", "refused#2",
                "PIVOTING", "CONCLUDING", "COMPLETED"), seen);
    }

    @Test
    void pivotingGivesUpAfterTheConfiguredAttemptsAndTheJobStaysReady() {
        FakeJobProbe probe = new FakeJobProbe(ACTIVE);
        probe.becomeReady();
        probe.refusePivots(Integer.MAX_VALUE);
        BlockJobWatcher w = watch(ACTIVE, probe);
        CompletionException e = assertThrows(CompletionException.class, () -> await(w.pivot()));
        assertInstanceOf(PivotRefusedException.class, e.getCause());
        assertEquals(4, probe.pivotCalls());
        assertEquals(BlockJobState.READY, w.state());
        assertFalse(w.outcome().isDone());
    }

    @Test
    void aStaleTerminalEventOfAnEarlierJobIsIgnoredWhileThisOneRuns() throws InterruptedException {
        FakeJobProbe probe = new FakeJobProbe(PULL);
        BlockJobWatcher w = watch(PULL, probe);
        w.onEvent(BlockJobType.PULL, BlockJobStatus.COMPLETED);
        w.onEvent(BlockJobType.COMMIT, BlockJobStatus.FAILED);
        Thread.sleep(100);
        assertEquals(BlockJobState.RUNNING, w.state());
        probe.end(List.of(V3, V1, V));
        assertEquals(BlockJobState.COMPLETED, await(w.outcome()).state());
    }

    @Test
    void abortingMidwayCancelsAndLeavesTheChain() {
        FakeJobProbe probe = new FakeJobProbe(PULL);
        BlockJobWatcher w = watch(PULL, probe);
        BlockJobOutcome out = await(w.abort());
        assertEquals(BlockJobState.CANCELED, out.state());
        assertEquals(BEFORE, out.chainAfter());
        assertEquals(1, probe.abortCalls());
    }

    @Test
    void anAbortThatLosesTheRaceToCompletionReportsCompletion() {
        FakeJobProbe probe = new FakeJobProbe(PULL);
        probe.end(List.of(V3, V1, V));
        BlockJobWatcher w = new BlockJobWatcher(PULL, probe, pool, recording, options, x -> { });
        BlockJobOutcome out = await(w.abort()); // not started: the abort meets a job already gone
        assertEquals(BlockJobState.COMPLETED, out.state(), out.reason());
    }

    @Test
    void aDomainThatStopsDuringTheJobLeavesTheOutcomeToTheImages() {
        FakeJobProbe probe = new FakeJobProbe(PULL);
        BlockJobWatcher w = watch(PULL, probe);
        probe.stopDomain();
        BlockJobOutcome out = await(w.outcome());
        assertEquals(BlockJobState.VANISHED, out.state());
        assertTrue(out.chainAfter().isEmpty());
        assertTrue(w.whenReady().isCompletedExceptionally());
    }

    @Test
    void aJobThatEndedWhileLibvirtdWasDownIsJudgedAfterTheReconnect() throws InterruptedException {
        FakeJobProbe probe = new FakeJobProbe(ACTIVE);
        BlockJobWatcher w = watch(ACTIVE, probe);
        probe.reachable(false);
        CompletableFuture<BlockJobOutcome> pivot = w.pivot();
        probe.becomeReady(); // the READY event is lost: the connection is down
        Thread.sleep(100);
        assertEquals(BlockJobState.RUNNING, w.state());
        probe.reachable(true);
        w.onReconnected();
        BlockJobOutcome out = await(pivot);
        assertEquals(BlockJobState.COMPLETED, out.state(), out.reason());
    }

    @Test
    void theSpeedLimitGoesToLibvirt() {
        FakeJobProbe probe = new FakeJobProbe(PULL);
        BlockJobWatcher w = watch(PULL, probe);
        w.setBandwidth(0).orTimeout(10, TimeUnit.SECONDS).join();
        assertEquals(List.of(0L), probe.speeds());
        assertThrows(IllegalArgumentException.class, () -> w.setBandwidth(-1));
    }

    @Test
    void onlyJobsWithAReadyPhaseCanBePivoted() {
        FakeJobProbe probe = new FakeJobProbe(PULL);
        BlockJobWatcher w = watch(PULL, probe);
        assertThrows(CompletionException.class, () -> await(w.pivot()));
        assertThrows(CompletionException.class, () -> await(w.finish()));
    }
}
