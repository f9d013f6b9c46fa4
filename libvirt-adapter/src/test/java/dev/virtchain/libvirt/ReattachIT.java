package dev.virtchain.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.virtchain.testing.TestDomain;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A daemon restart: the first adapter starts a job and goes away, a second one watches the job
 * from its journaled record and learns how it ends, READY included, without having seen an event.
 */
class ReattachIT {

    @BeforeAll
    static void harness() {
        TestHosts.warmHarness();
    }

    @Test
    void aNewAdapterWatchesAPullItDidNotStart() {
        try (TestDomain dom = TestDomain.builder().create()) {
            BlockJob job;
            List<Path> chain;
            try (LibvirtHost first = TestHosts.open()) {
                first.takeSnapshot(new SnapshotRequest(dom.name(), Map.of("vda", "vda.1.qcow2"), QuiesceMode.NO));
                dom.write("vda", 0x81, "0", "4M");
                first.takeSnapshot(new SnapshotRequest(dom.name(), Map.of("vda", "vda.2.qcow2"), QuiesceMode.NO));
                chain = dom.chain("vda");
                job = first.startPull(new PullRequest(dom.name(), "vda", chain.get(2), 1), BlockJobObserver.NONE).job();
            }
            try (LibvirtHost second = TestHosts.open()) {
                BlockJobWatcher w = second.watch(job, BlockJobObserver.NONE);
                w.setBandwidth(0).orTimeout(10, TimeUnit.SECONDS).join();
                BlockJobOutcome out = DeletionTableIT.await(w);
                assertEquals(BlockJobState.COMPLETED, out.state(), out.reason());
                assertEquals(List.of(chain.get(0), chain.get(2)), dom.chain("vda"));
            }
        }
    }

    @Test
    void aNewAdapterFindsAnActiveCommitReadyFromTheXmlAndPivotsIt() {
        try (TestDomain dom = TestDomain.builder().create()) {
            BlockJob job;
            List<Path> chain;
            try (LibvirtHost first = TestHosts.open()) {
                first.takeSnapshot(new SnapshotRequest(dom.name(), Map.of("vda", "vda.1.qcow2"), QuiesceMode.NO));
                dom.write("vda", 0x82, "0", "1M");
                chain = dom.chain("vda");
                BlockJobWatcher w = first.startCommit(new CommitRequest(dom.name(), "vda", chain.get(0), chain.get(1), 0),
                        BlockJobObserver.NONE);
                w.whenReady().orTimeout(60, TimeUnit.SECONDS).join();
                job = w.job();
            }
            String live = FourImageChain.liveDigest(dom);
            try (LibvirtHost second = TestHosts.open()) {
                BlockJobWatcher w = second.watch(job, BlockJobObserver.NONE);
                w.whenReady().orTimeout(30, TimeUnit.SECONDS).join();
                BlockJobOutcome out = w.pivot().orTimeout(60, TimeUnit.SECONDS).join();
                assertEquals(BlockJobState.COMPLETED, out.state(), out.reason());
                assertEquals(List.of(chain.get(1)), dom.chain("vda"));
                assertEquals(live, FourImageChain.liveDigest(dom));
            }
        }
    }
}
