package dev.virtchain.daemon.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtchain.daemon.ledger.LedgerBook;
import dev.virtchain.daemon.ledger.LedgerStore;
import dev.virtchain.daemon.ledger.StaleLedger;
import dev.virtchain.daemon.ledger.StoredLedger;
import dev.virtchain.daemon.ProgressSink;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.plan.Intent;
import dev.virtchain.model.plan.Step;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The executor's ledger-only operations: adoption, rewrites that move no image, retirement. */
class LedgerWritesTest {

    @TempDir
    Path state;
    private LedgerStore store;
    private LedgerBook book;
    private DiskLocks locks;
    private OperationRunner runner;
    private String uuid;

    private OneDiskDomain vm;

    @BeforeEach
    void setUp() {
        vm = new OneDiskDomain(state, 1, 0);
        vm.snapshots(1);
        restart(CrashSite.NONE);
    }

    private void restart(CrashSite crash) {
        runner = vm.restart(crash);
        store = vm.store;
        book = vm.book;
        locks = vm.locks;
        uuid = vm.uuid;
    }

    private Ledger ledger() {
        return book.byUuid(uuid).orElseThrow().ledger();
    }

    @Test
    void aRewriteThatChangesNothingWritesNothing() throws Exception {
        byte[] before = Files.readAllBytes(store.fileOf(uuid));
        long version = book.byUuid(uuid).orElseThrow().version();
        runner.rewrite(uuid, "nothing", "retry", l -> l);
        assertArrayEquals(before, Files.readAllBytes(store.fileOf(uuid)));
        assertEquals(version, book.byUuid(uuid).orElseThrow().version());
    }

    @Test
    void aRewriteIsRecordedBeforeItIsWrittenAndACrashBetweenIsFinishedByRecovery() {
        restart(point -> {
            if (point.where() == CrashPoint.Where.AFTER_RECORD) {
                throw new InProcessCrashMatrixTest.Crash(point);
            }
        });
        assertThrows(InProcessCrashMatrixTest.Crash.class,
                () -> runner.rewrite(uuid, "hold s1", "retry", l -> l.withHold("s1", "backup")));
        restart(CrashSite.NONE);
        StoredLedger recorded = book.byUuid(uuid).orElseThrow();
        assertTrue(recorded.operation().isPresent(), "the operation is on disk before the change");
        assertEquals(Set.of(), recorded.ledger().requireSnapshot("s1").holds(), "and the change is not");
        Step only = recorded.operation().get().steps().get(0);
        assertTrue(only instanceof Step.UpdateLedger, "one ledger step: " + only);

        assertEquals(OperationRunner.Settled.COMPLETED, runner.resume(recorded));
        assertEquals(Set.of("backup"), ledger().requireSnapshot("s1").holds());
        assertTrue(book.byUuid(uuid).orElseThrow().operation().isEmpty());
    }

    @Test
    void aRewriteIsRefusedWhileAnOperationHoldsTheDomain() throws Exception {
        byte[] before = Files.readAllBytes(store.fileOf(uuid));
        locks.tryClaim("vm", Set.of("vda"), new DiskLocks.Holder("op-other", "delete snapshots s1"));
        OperationRefused e = assertThrows(OperationRefused.class,
                () -> runner.rewrite(uuid, "hold s1", "try again later", l -> l.withHold("s1", "backup")));
        assertEquals(OperationRefused.Reason.BUSY, e.reason());
        assertTrue(e.getMessage().contains("op-other") && e.getMessage().contains("try again later"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(store.fileOf(uuid)), "nothing written");
    }

    /** Writers that race are refused, never lost: every hold that was answered as written is in the file. */
    @Test
    void racingRewritesAreRefusedNotLost() throws Exception {
        int writers = 6;
        int each = 8;
        AtomicInteger refused = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int writer = w;
            done.add(pool.submit(() -> {
                go.await();
                for (int i = 0; i < each; i++) {
                    String tag = "w" + writer + "-" + i;
                    while (true) {
                        try {
                            runner.rewrite(uuid, "hold " + tag, "retry", l -> l.withHold("s1", tag));
                            break;
                        } catch (OperationRefused e) {
                            refused.incrementAndGet();
                            Thread.onSpinWait();
                        }
                    }
                }
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : done) {
            f.get(1, TimeUnit.MINUTES);
        }
        pool.shutdown();
        assertEquals(writers * each, store.load(uuid).orElseThrow().ledger().requireSnapshot("s1").holds().size());
    }

    /**
     * Two writes per step that acts on the host (started, done), one to begin: the previous
     * generation of the file is always one event behind the current one, which is what recovery
     * from it, when the current file is damaged, relies on (merging a step's end with the next
     * one's start made the in-process matrix's damaged-file cases lose operations). A ledger
     * rewrite changes nothing outside the file and is one write; the last step's end is the
     * operation's. A one-disk snapshot is three steps (overlay, snapshot, ledger): six writes.
     */
    @Test
    void aSnapshotWritesTheLedgerBeforeAndAfterEachStep() {
        long before = book.byUuid(uuid).orElseThrow().version();
        var result = runner.run("vm", Intent.Create.of("s2"), OperationRunner.Options.DEFAULT, ProgressSink.DISCARD);
        assertEquals(3, result.plan().steps().size(), result.plan().steps().toString());
        assertEquals(before + 6, book.byUuid(uuid).orElseThrow().version());
        assertTrue(book.byUuid(uuid).orElseThrow().operation().isEmpty());
    }

    /** A delete's last step is the unlink: its end and the operation's are one write (ten before). */
    @Test
    void aDeleteEndsWithOneWrite() {
        runner.run("vm", Intent.Create.of("s2"), OperationRunner.Options.DEFAULT, ProgressSink.DISCARD);
        long before = book.byUuid(uuid).orElseThrow().version();
        var result = runner.run("vm", Intent.Delete.of("s1"), OperationRunner.Options.DEFAULT, ProgressSink.DISCARD);
        List<Step> steps = result.plan().steps();
        assertTrue(steps.get(steps.size() - 1) instanceof Step.Unlink, steps.toString());
        long rewrites = steps.stream().filter(s -> s instanceof Step.UpdateLedger).count();
        long onHost = steps.size() - rewrites;
        // begin, a write per rewrite, two per step on the host (the unlink's second is the end)
        assertEquals(before + 1 + rewrites + 2 * onHost, book.byUuid(uuid).orElseThrow().version(), steps.toString());
        assertTrue(book.byUuid(uuid).orElseThrow().operation().isEmpty());
    }

    @Test
    void adoptionRefusesADomainThatHasALedger() {
        assertThrows(StaleLedger.class, () -> runner.adopt(ledger()));
    }

    @Test
    void aLedgerWithAnOperationRecordedIsNotRetired() {
        restart(point -> {
            if (point.where() == CrashPoint.Where.AFTER_RECORD) {
                throw new InProcessCrashMatrixTest.Crash(point);
            }
        });
        assertThrows(InProcessCrashMatrixTest.Crash.class, () -> runner.run("vm", Intent.Delete.of("s1"),
                OperationRunner.Options.DEFAULT, ProgressSink.DISCARD));
        restart(CrashSite.NONE);
        assertFalse(runner.retire(uuid));
        assertTrue(Files.exists(store.fileOf(uuid)));
        runner.resume(book.byUuid(uuid).orElseThrow());
        assertTrue(runner.retire(uuid));
        assertFalse(Files.exists(store.fileOf(uuid)));
        assertTrue(book.byUuid(uuid).isEmpty());
    }
}
