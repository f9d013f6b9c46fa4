package dev.virtchain.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtchain.libvirt.image.QemuImg;
import dev.virtchain.testing.ImageContent;
import dev.virtchain.testing.TestDomain;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Progress, speed limits, pivot refusal, abort and copies on a real libvirtd. */
class BlockJobBehaviourIT {
    private static LibvirtHost host;

    @BeforeAll
    static void connect() {
        host = TestHosts.open();
    }

    @AfterAll
    static void disconnect() {
        host.close();
    }

    /** V (empty) <- V.1 (8 MiB of data) <- V.2 active; returns [V.2, V.1, V]. */
    private static List<Path> chainWithEightMiBInTheMiddle(TestDomain dom) {
        host.takeSnapshot(new SnapshotRequest(dom.name(), Map.of("vda", "vda.1.qcow2"), QuiesceMode.NO));
        dom.write("vda", 0x21, "0", "8M");
        host.takeSnapshot(new SnapshotRequest(dom.name(), Map.of("vda", "vda.2.qcow2"), QuiesceMode.NO));
        dom.write("vda", 0x22, "1M", "64k");
        return dom.chain("vda");
    }

    @Test
    void aSpeedLimitedPullReportsProgressAndCanBeSpedUp() {
        try (TestDomain dom = TestDomain.builder().create()) {
            List<Path> chain = chainWithEightMiBInTheMiddle(dom);
            String live = FourImageChain.liveDigest(dom);
            List<BlockJobProgress> seen = new CopyOnWriteArrayList<>();
            BlockJobObserver observer = new BlockJobObserver() {
                @Override
                public void onProgress(BlockJob job, BlockJobProgress p) {
                    seen.add(p);
                }
            };
            BlockJobWatcher w = host.startPull(new PullRequest(dom.name(), "vda", chain.get(2), 1), observer);
            waitUntil(() -> seen.stream().filter(p -> p.cur() > 0 && p.cur() < p.end()).map(BlockJobProgress::cur)
                    .distinct().count() >= 2, Duration.ofSeconds(20), "two distinct intermediate progress reports");
            assertEquals(1, seen.get(seen.size() - 1).bandwidthMiB(), "libvirt reports the limit it runs with");
            assertEquals(BlockJobState.RUNNING, w.state());

            w.setBandwidth(0).orTimeout(10, TimeUnit.SECONDS).join();
            BlockJobOutcome out = DeletionTableIT.await(w);
            assertEquals(BlockJobState.COMPLETED, out.state(), out.reason());
            assertEquals(List.of(chain.get(0), chain.get(2)), dom.chain("vda"));
            assertEquals(live, FourImageChain.liveDigest(dom));
        }
    }

    /**
     * A reader that opened the chain for a moment (here {@code qemu-io -U -r}, as a backup tool or
     * {@code qemu-img convert -U} would) holds the image lock a commit must take: QEMU refuses the
     * job. The start is tried again and succeeds once the reader lets go; without the retries the
     * refusal is what the caller sees.
     */
    @Test
    void aCommitThatAReaderBlocksForAMomentStartsOnceTheReaderLetsGo() throws Exception {
        try (TestDomain dom = TestDomain.builder().create()) {
            List<Path> chain = chainWithEightMiBInTheMiddle(dom);
            String middle = ImageContent.digest(chain.get(1));
            try (LibvirtHost once = TestHosts.open(HostOptions.forUri(dev.virtchain.testing.TestLibvirt.uri())
                    .withJobPollInterval(Duration.ofMillis(200)).withRetries(1, Duration.ofMillis(10)))) {
                Process reader = readFor(chain.get(1), 3000);
                try {
                    LibvirtCallException refused = assertThrows(LibvirtCallException.class, () -> once.startCommit(
                            new CommitRequest(dom.name(), "vda", chain.get(1), chain.get(2), 0), BlockJobObserver.NONE));
                    assertTrue(BlockJobStarter.isImageLockConflict(refused), refused.getMessage());
                } finally {
                    reader.destroy();
                    reader.waitFor();
                }
            }
            assertEquals(chain, dom.chain("vda"), "the refused job changed nothing");

            Process reader = readFor(chain.get(1), 1500);
            try {
                BlockJobWatcher w = host.startCommit(new CommitRequest(dom.name(), "vda", chain.get(1), chain.get(2), 0),
                        BlockJobObserver.NONE);
                BlockJobOutcome out = DeletionTableIT.await(w);
                assertEquals(BlockJobState.COMPLETED, out.state(), out.reason());
            } finally {
                reader.destroy();
                reader.waitFor();
            }
            assertEquals(List.of(chain.get(0), chain.get(2)), dom.chain("vda"));
            assertEquals(middle, ImageContent.digest(chain.get(2)), "the base now shows what the middle image did");
        }
    }

    /** Starts {@code qemu-io} reading {@code image}'s chain for {@code millis}; returns once it has the image open. */
    private static Process readFor(Path image, int millis) throws java.io.IOException {
        Process p = new ProcessBuilder("qemu-io", "-U", "-r", "-f", "qcow2", "-c", "sleep " + millis, image.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        waitUntil(() -> opened(p.pid(), image), Duration.ofSeconds(10), "qemu-io to open " + image);
        return p;
    }

    private static boolean opened(long pid, Path image) {
        try (var fds = java.nio.file.Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return fds.anyMatch(fd -> {
                try {
                    return java.nio.file.Files.readSymbolicLink(fd).equals(image);
                } catch (java.io.IOException e) {
                    return false;
                }
            });
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Test
    void aPullAbortedMidwayLeavesTheChainAsItWas() {
        try (TestDomain dom = TestDomain.builder().create()) {
            List<Path> chain = chainWithEightMiBInTheMiddle(dom);
            String middle = ImageContent.digest(chain.get(1));
            String live = FourImageChain.liveDigest(dom);
            BlockJobWatcher w = host.startPull(new PullRequest(dom.name(), "vda", chain.get(2), 1), BlockJobObserver.NONE);
            waitUntil(() -> w.progress().filter(p -> p.cur() > 0).isPresent(), Duration.ofSeconds(20), "progress");

            BlockJobOutcome out = w.abort().orTimeout(30, TimeUnit.SECONDS).join();
            assertEquals(BlockJobState.CANCELED, out.state(), out.reason());
            assertEquals(chain, dom.chain("vda"), "nothing left the chain");
            assertEquals(middle, ImageContent.digest(chain.get(1)));
            assertEquals(live, FourImageChain.liveDigest(dom));
        }
    }

    @Test
    void aPivotBeforeReadyIsRefusedAndThePivotWaitsForReady() {
        try (TestDomain dom = TestDomain.builder().create()) {
            host.takeSnapshot(new SnapshotRequest(dom.name(), Map.of("vda", "vda.1.qcow2"), QuiesceMode.NO));
            dom.write("vda", 0x31, "0", "6M");
            List<Path> chain = dom.chain("vda");
            String live = FourImageChain.liveDigest(dom);
            List<BlockJobState> states = new CopyOnWriteArrayList<>();
            BlockJobObserver observer = new BlockJobObserver() {
                @Override
                public void onStateChange(BlockJob job, BlockJobState from, BlockJobState to) {
                    states.add(to);
                }
            };
            // At 1 MiB/s QEMU's mirror is not READY for several seconds (measured: cur stays at end - 1).
            BlockJobWatcher w = host.startCommit(new CommitRequest(dom.name(), "vda", chain.get(0), chain.get(1), 1), observer);
            PivotRefusedException refused = assertThrows(PivotRefusedException.class, () -> host.pivotOnce(dom.name(), "vda"));
            assertEquals("VIR_ERR_BLOCK_COPY_ACTIVE", refused.libvirtCode().orElseThrow());
            assertEquals(BlockJobState.RUNNING, w.state());

            BlockJobOutcome out = w.pivot().orTimeout(60, TimeUnit.SECONDS).join();
            assertEquals(BlockJobState.COMPLETED, out.state(), out.reason());
            assertEquals(List.of(BlockJobState.READY, BlockJobState.PIVOTING, BlockJobState.CONCLUDING,
                    BlockJobState.COMPLETED), states);
            assertEquals(List.of(chain.get(1)), dom.chain("vda"));
            assertEquals(live, FourImageChain.liveDigest(dom));
        }
    }

    @Test
    void aShallowCopyToAPrecreatedDestinationPivots() {
        try (TestDomain dom = TestDomain.builder().create()) {
            host.takeSnapshot(new SnapshotRequest(dom.name(), Map.of("vda", "vda.1.qcow2"), QuiesceMode.NO));
            dom.write("vda", 0x41, "0", "1M");
            List<Path> chain = dom.chain("vda");
            Path dest = dom.dir().resolve("vda.copy.qcow2");
            QemuImg.withDefaults().createOverlay(dest, chain.get(1), "qcow2");
            String live = FourImageChain.liveDigest(dom);

            BlockJobWatcher w = host.startCopy(new CopyRequest(dom.name(), "vda", dest, "qcow2", true, true, 0), BlockJobObserver.NONE);
            BlockJobOutcome out = w.pivot().orTimeout(60, TimeUnit.SECONDS).join();
            assertEquals(BlockJobState.COMPLETED, out.state(), out.reason());
            assertEquals(List.of(dest, chain.get(1)), dom.chain("vda"));
            assertEquals(live, FourImageChain.liveDigest(dom));
            assertEquals(chain.get(1).getFileName().toString(), Images.backingName(dest));
            assertTrue(host.inactiveXml(dom.name()).contains(dest.toString()), "the pivot reached the persistent definition");
        }
    }

    @Test
    void aFullCopyFinishedWithoutPivotLeavesTheGuestOnItsChainAndAConsistentCopy() {
        try (TestDomain dom = TestDomain.builder().create()) {
            host.takeSnapshot(new SnapshotRequest(dom.name(), Map.of("vda", "vda.1.qcow2"), QuiesceMode.NO));
            dom.write("vda", 0x51, "0", "1M");
            List<Path> chain = dom.chain("vda");
            String live = FourImageChain.liveDigest(dom);
            Path dest = dom.dir().resolve("vda.full.img");

            BlockJobWatcher w = host.startCopy(new CopyRequest(dom.name(), "vda", dest, "raw", false, false, 0), BlockJobObserver.NONE);
            BlockJobOutcome out = w.finish().orTimeout(60, TimeUnit.SECONDS).join();
            assertEquals(BlockJobState.COMPLETED, out.state(), out.reason());
            assertEquals(chain, dom.chain("vda"), "no pivot: the guest stays on its chain");
            assertEquals(live, ImageContent.digest(dest), "the copy shows what the guest saw");
            assertEquals(null, Images.backingName(dest), "a full copy stands alone");
        }
    }

    static void waitUntil(java.util.function.BooleanSupplier condition, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
