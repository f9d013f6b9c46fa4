package dev.virtchain.daemon.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtchain.daemon.ProgressSink;
import dev.virtchain.daemon.ledger.LedgerBook;
import dev.virtchain.daemon.ledger.LedgerStore;
import dev.virtchain.daemon.ledger.StoredLedger;
import dev.virtchain.model.plan.Intent;
import dev.virtchain.model.sim.ImageFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the executor refuses before it records anything: a domain another operation holds, a
 * plan that needs more space than is free (with the configured margin), a destination that is
 * taken. Each refusal names what is in the way and leaves the ledger file as it was.
 */
class ExecutorRefusalsTest {
    private static final long MARGIN = 1000;

    @TempDir
    Path state;
    private SimHost host;
    private LedgerStore store;
    private LedgerBook book;
    private DiskLocks locks;
    private OperationRunner runner;
    private String uuid;

    @BeforeEach
    void setUp() {
        OneDiskDomain vm = new OneDiskDomain(state, 2, MARGIN);
        vm.snapshots(3);
        vm.write(9, 1, 9);
        host = vm.host;
        store = vm.store;
        book = vm.book;
        locks = vm.locks;
        runner = vm.runner;
        uuid = vm.uuid;
    }

    private OperationRunner.Result run(Intent intent) {
        return runner.run("vm", intent, OperationRunner.Options.DEFAULT, ProgressSink.DISCARD);
    }

    private byte[] file() throws Exception {
        return Files.readAllBytes(store.fileOf(uuid));
    }

    @Test
    void aDomainAnotherOperationHoldsIsRefusedEverywhereAndNothingIsWritten() throws Exception {
        byte[] before = file();
        locks.tryClaim("vm", Set.of("vda"), new DiskLocks.Holder("op-other", "delete snapshots s9"));
        for (Runnable r : List.<Runnable>of(
                () -> run(Intent.Create.of("s4")),
                () -> run(Intent.Delete.of("s2")),
                () -> runner.retire(uuid))) {
            OperationRefused e = assertThrows(OperationRefused.class, r::run);
            assertEquals(OperationRefused.Reason.BUSY, e.reason());
            assertTrue(e.getMessage().contains("op-other") && e.getMessage().contains("delete snapshots s9"),
                    e.getMessage());
        }
        assertArrayEquals(before, file());
        locks.release("vm", Set.of("vda"), "op-other");
        run(Intent.Create.of("s4"));
        run(Intent.Create.of("s5")); // the first released its claim
    }

    @Test
    void anInterruptedOperationIsResumedOnlyByOneRecoveryAtATime() {
        StoredLedger stored = book.byUuid(uuid).orElseThrow();
        locks.tryClaim("vm", Set.of("vda"), new DiskLocks.Holder("op-other", "recovery elsewhere"));
        OperationRefused e = assertThrows(OperationRefused.class, () -> runner.resume(stored.with(
                dev.virtchain.daemon.ledger.OperationRecord.begin("op-x", "delete", "delete s2", OneDiskDomain.CLOCK.instant(),
                        List.of()))));
        assertEquals(OperationRefused.Reason.BUSY, e.reason());
    }

    @Test
    void aPlanNeedingMoreThanIsFreeWithTheMarginIsRefusedNamingTheDirectory() throws Exception {
        var plan = runner.run("vm", Intent.Delete.of("s2"), new OperationRunner.Options(true, 0, false),
                ProgressSink.DISCARD).plan();
        long needed = plan.bytesByDirectory().get("/images/vm");
        assertTrue(needed > 0, "the delete copies something: " + plan.steps());
        byte[] before = file();

        host.freeBytes = needed + MARGIN - 1;
        OperationRefused e = assertThrows(OperationRefused.class, () -> run(Intent.Delete.of("s2")));
        assertEquals(OperationRefused.Reason.NO_SPACE, e.reason());
        assertEquals("/images/vm", e.file());
        assertTrue(e.getMessage().contains(needed + " bytes") && e.getMessage().contains(MARGIN + "-byte margin"),
                e.getMessage());
        assertArrayEquals(before, file(), "nothing recorded");

        runner.run("vm", Intent.Delete.of("s2"), new OperationRunner.Options(false, 0, true), ProgressSink.DISCARD);
        assertTrue(book.byUuid(uuid).orElseThrow().ledger().snapshot("s2").isEmpty(), "--ignore-space runs it");
    }

    @Test
    void exactlyEnoughSpaceWithTheMarginIsEnough() {
        var plan = runner.run("vm", Intent.Delete.of("s2"), new OperationRunner.Options(true, 0, false),
                ProgressSink.DISCARD).plan();
        host.freeBytes = plan.bytesByDirectory().get("/images/vm") + MARGIN;
        run(Intent.Delete.of("s2"));
        assertTrue(book.byUuid(uuid).orElseThrow().ledger().snapshot("s2").isEmpty());
    }

    @Test
    void anExportOntoAFileThatExistsIsRefusedBeforeAnythingIsRecorded() throws Exception {
        host.sim.createBase("/exports/taken.qcow2", ImageFormat.QCOW2, OneDiskDomain.CLUSTER);
        byte[] before = file();
        OperationRefused e = assertThrows(OperationRefused.class,
                () -> run(new Intent.Export("s2", Map.of("vda", "/exports/taken.qcow2"))));
        assertEquals(OperationRefused.Reason.EXISTS, e.reason());
        assertEquals("/exports/taken.qcow2", e.file());
        assertArrayEquals(before, file());
    }
}
