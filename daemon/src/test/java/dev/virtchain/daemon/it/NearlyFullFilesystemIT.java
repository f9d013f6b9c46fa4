package dev.virtchain.daemon.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtchain.daemon.CrashPoints;
import dev.virtchain.daemon.ProgressSink;
import dev.virtchain.daemon.exec.DiskLocks;
import dev.virtchain.daemon.exec.OperationRunner;
import dev.virtchain.daemon.exec.StepFailed;
import dev.virtchain.daemon.ledger.LedgerBook;
import dev.virtchain.daemon.ledger.LedgerStore;
import dev.virtchain.daemon.ledger.StoredLedger;
import dev.virtchain.libvirt.HostOptions;
import dev.virtchain.libvirt.LibvirtHost;
import dev.virtchain.libvirt.image.QemuImg;
import dev.virtchain.model.plan.HostCapabilities;
import dev.virtchain.model.plan.Intent;
import dev.virtchain.model.plan.Planner;
import dev.virtchain.testing.TestDomain;
import dev.virtchain.testing.TestLibvirt;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.libvirt.DomainInfo;

/**
 * A delete whose commit needs more room than the image directory's file system has left. The
 * images live on a small tmpfs the test mounts, filled up to a few MiB.
 *
 * <p>Through the real daemon the space check refuses the delete before anything changes
 * ({@code REFUSED}, naming the directory). Forced past the check ({@code ignoreSpace}, driven
 * in-process because the protocol does not offer it), QEMU's commit runs out of space: the
 * operation fails, and the chain, the ledger and the guest are as they were — the snapshot the
 * commit was to remove may be gone from view (its holder was partly written), never silently
 * changed.
 */
@Timeout(240)
class NearlyFullFilesystemIT {
    private static final long MiB = 1L << 20;
    private static final long LEFT_FREE = 6 * MiB;

    private Path mount;
    private boolean mounted;
    private Path home;
    private DaemonProcess daemon;
    private TestDomain dom;
    private LibvirtHost host;

    @AfterEach
    void cleanUp() {
        List<Runnable> steps = List.of(
                () -> {
                    if (daemon != null) {
                        daemon.close();
                    }
                },
                () -> {
                    if (host != null) {
                        host.close();
                    }
                },
                () -> {
                    if (dom != null) {
                        dom.close();
                    }
                },
                () -> {
                    if (mounted) {
                        DaemonProcess.run(List.of("umount", mount.toString()));
                    }
                },
                () -> CrashMatrixIT.deleteTree(mount),
                () -> CrashMatrixIT.deleteTree(home));
        RuntimeException first = null;
        for (Runnable r : steps) {
            try {
                r.run();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Test
    void aCommitThatDoesNotFitIsRefusedAndFailsCleanlyWhenForced() throws Exception {
        mount = Files.createTempDirectory(TestDomain.workRoot(), "vcd-tmpfs-");
        DaemonProcess.run(List.of("mount", "-t", "tmpfs", "-o", "size=96m,mode=0755", "vctest-tmpfs", mount.toString()));
        mounted = true;
        dom = TestDomain.builder().under(mount).create();
        home = Files.createTempDirectory(TestDomain.workRoot(), "vcd-space-");
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
        String config = "[daemon]\nmin-free-space = 0\n";
        daemon = DaemonProcess.startReady(home, config);
        daemon.require("adopt", DaemonProcess.args().put("domain", dom.name()));

        // a is held by the base, b by an overlay with 16 MiB: deleting a commits those into the base.
        Map<String, Map<String, String>> digests = new HashMap<>();
        digests.put("a", Map.of("vda", ChainAudit.liveDigest(dom, "vda")));
        daemon.require("snapshot-create", DaemonProcess.args().put("domain", dom.name()).put("name", "a")
                .put("quiesce", "no"));
        dom.write("vda", 0x5a, "8M", "16M");
        digests.put("b", Map.of("vda", ChainAudit.liveDigest(dom, "vda")));
        daemon.require("snapshot-create", DaemonProcess.args().put("domain", dom.name()).put("name", "b")
                .put("quiesce", "no"));
        dom.write("vda", 0x6b, "40M", "512k");
        String live = ChainAudit.liveDigest(dom, "vda");
        List<Path> chain = dom.chain("vda");

        var dry = DaemonProcess.args().put("domain", dom.name()).put("dry-run", true);
        dry.putArray("names").add("a");
        JsonNode plan = daemon.require("snapshot-delete", dry).path("plan");
        long needed = plan.path("bytes").asLong();
        assertTrue(needed >= 16 * MiB, "the commit copies the 16 MiB written after a: " + plan);

        fill(LEFT_FREE);
        byte[] ledgerBefore = ChainAudit.ledgerBytes(home, dom);
        var delete = DaemonProcess.args().put("domain", dom.name());
        delete.putArray("names").add("a");
        try {
            JsonNode r = daemon.call("snapshot-delete", delete);
            fail("the delete needs " + needed + " bytes with about " + LEFT_FREE + " free, yet it ran: " + r);
        } catch (DaemonProcess.Refusal refused) {
            assertEquals("REFUSED", refused.code, refused.getMessage());
            assertEquals(dom.dir().toString(), refused.error.path("file").asText(), refused.error.toString());
            assertTrue(refused.getMessage().contains("not enough space in " + dom.dir()), refused.getMessage());
        }
        assertArrayEquals(ledgerBefore, ChainAudit.ledgerBytes(home, dom), "a refused delete changes nothing");
        assertEquals(chain, dom.chain("vda"));

        // Forced: the same operation with the check skipped, by an in-process runner on the same state.
        daemon.stop();
        daemon = null;
        Clock clock = Clock.systemUTC();
        host = LibvirtHost.open(HostOptions.forUri(TestLibvirt.uri()));
        LedgerStore store = new LedgerStore(DaemonProcess.stateDir(home), clock);
        LedgerBook book = new LedgerBook(store, store.loadAll().ledgers());
        OperationRunner runner = new OperationRunner(host, QemuImg.withDefaults(),
                new dev.virtchain.daemon.files.HostFiles(java.util.List.of(), java.util.List.of(), java.util.List.of(),
                        java.util.List.of()), book,
                new Planner(clock, HostCapabilities.DEFAULT), new DiskLocks(), 2, CrashPoints.none(), clock, 0, 0);
        StepFailed failed = assertThrows(StepFailed.class, () -> runner.run(dom.name(), Intent.Delete.of("a"),
                new OperationRunner.Options(false, 0, true), ProgressSink.DISCARD));
        assertTrue(failed.getMessage().contains(dom.name() + "/vda ended FAILED"), failed.getMessage());
        host.close();
        host = null;

        assertEquals(DomainInfo.DomainState.VIR_DOMAIN_RUNNING, dom.domain().getInfo().state,
                "the guest keeps running (a failed job must not pause it)");
        assertEquals(chain, dom.chain("vda"), "the chain is as it was");
        // Reading a chain's content makes a raw copy beside the images: give that room back.
        Files.delete(mount.resolve("filler"));
        StoredLedger after = ChainAudit.read(home, dom);
        assertTrue(after.operation().isEmpty(), "the failed operation was settled, not left open: " + after.operation());
        assertTrue(after.ledger().snapshot("b").isPresent(), after.ledger().snapshots().toString());
        ChainAudit.assertTruth(dom, after, digests);
        assertEquals(live, ChainAudit.liveDigest(dom, "vda"), "what the guest sees");

        // The daemon starts on that state with nothing to recover, and leaves it as it is.
        byte[] settled = ChainAudit.ledgerBytes(home, dom);
        daemon = DaemonProcess.startReady(home, config);
        JsonNode recovery = daemon.require("status", DaemonProcess.args()).path("recovery");
        assertEquals(0, recovery.path("completed").asInt() + recovery.path("rolledBack").asInt(), recovery.toString());
        assertArrayEquals(settled, ChainAudit.ledgerBytes(home, dom), "the restart changed the ledger");
        ChainAudit.assertTruth(dom, ChainAudit.read(home, dom), digests);
    }

    /** Fills the tmpfs with one file until about {@code free} bytes are left. */
    private void fill(long free) throws Exception {
        long usable = Files.getFileStore(mount).getUsableSpace();
        assertTrue(usable > free + MiB, "the tmpfs has " + usable + " bytes free");
        DaemonProcess.run(List.of("fallocate", "-l", Long.toString(usable - free), mount.resolve("filler").toString()));
        long left = Files.getFileStore(mount).getUsableSpace();
        assertTrue(left <= free + MiB && left > 0, "left free: " + left);
    }
}
