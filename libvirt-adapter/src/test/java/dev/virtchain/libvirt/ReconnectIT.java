package dev.virtchain.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtchain.testing.ImageContent;
import dev.virtchain.testing.LibvirtdUnderTest;
import dev.virtchain.testing.TestDomain;
import dev.virtchain.testing.TestLibvirt;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libvirtd is stopped (SIGTERM) and started again while a speed-limited pull runs; QEMU keeps
 * running. The adapter must reconnect, re-attach the job's watcher and learn the outcome.
 *
 * <p>Runs in a JVM of its own (tag {@code libvirtd-restart}, a separate Failsafe execution): the restart kills the harness's
 * shared connection, which later tests in the same JVM would otherwise inherit. After the restart
 * the test therefore talks to libvirt only through the adapter. It restarts libvirtd exactly once
 * and keeps it down for as short as possible: other test runs on this host share that daemon.
 */
@Tag("libvirtd-restart")
class ReconnectIT {
    private static final Logger LOG = LoggerFactory.getLogger(ReconnectIT.class);

    @Test
    void aPullRunningAcrossALibvirtdRestartIsFollowedToItsEnd() throws Exception {
        TestHosts.warmHarness();
        HostOptions options = new HostOptions(TestLibvirt.uri(), 5, 3, Duration.ofMillis(200), Duration.ofSeconds(2),
                Duration.ofMillis(200), 6, Duration.ofMillis(250));
        LibvirtHost host = LibvirtHost.open(options);
        TestDomain dom = TestDomain.builder().create();
        String name = dom.name();
        try {
            CountDownLatch lost = new CountDownLatch(1);
            CountDownLatch back = new CountDownLatch(1);
            host.addConnectionListener(new ConnectionListener() {
                @Override
                public void onConnectionLost(String reason) {
                    lost.countDown();
                }

                @Override
                public void onReconnected() {
                    back.countDown();
                }
            });
            host.takeSnapshot(new SnapshotRequest(name, Map.of("vda", "vda.1.qcow2"), QuiesceMode.NO));
            dom.write("vda", 0x91, "0", "8M");
            host.takeSnapshot(new SnapshotRequest(name, Map.of("vda", "vda.2.qcow2"), QuiesceMode.NO));
            dom.write("vda", 0x92, "2M", "64k");
            List<Path> chain = dom.chain("vda");
            String pulled = ImageContent.digest(chain.get(1));
            String live = FourImageChain.liveDigest(dom);

            AtomicInteger progressReports = new AtomicInteger();
            BlockJobObserver counting = new BlockJobObserver() {
                @Override
                public void onProgress(BlockJob job, BlockJobProgress progress) {
                    progressReports.incrementAndGet();
                }
            };
            BlockJobWatcher w = host.startPull(new PullRequest(name, "vda", chain.get(2), 1), counting);
            BlockJobBehaviourIT.waitUntil(() -> w.progress().filter(p -> p.cur() > 0).isPresent(),
                    Duration.ofSeconds(20), "the pull to make progress");

            BlockJobProgress atKill = w.progress().orElseThrow();
            assertEquals(BlockJobState.RUNNING, w.state());
            assertTrue(atKill.cur() < atKill.end(), "the job is midway when libvirtd goes: " + atKill);
            restartLibvirtd();
            assertTrue(lost.await(30, TimeUnit.SECONDS), "the adapter noticed the connection drop");
            assertTrue(back.await(60, TimeUnit.SECONDS), "the adapter reconnected");
            int reportsBeforeReconnect = progressReports.get();
            BlockJobOutcome out = w.outcome().orTimeout(90, TimeUnit.SECONDS).join();

            assertEquals(BlockJobState.COMPLETED, out.state(), out.reason());
            assertEquals(List.of(chain.get(0), chain.get(2)), LiveXml.requireChain(host.domainXml(name), name, "vda"));
            // Usually the job is still running after the reconnect and reports progress again; on a
            // slow host it may end while libvirtd is down, and then only the chain tells: both pass.
            LOG.info("progress reports: {} before the reconnect, {} in all", reportsBeforeReconnect, progressReports.get());
            assertEquals(pulled, ImageContent.digest(chain.get(1)), "the pulled image was only read");
            host.stop(name); // QEMU flushes as it exits: the live view can be read from the files
            assertEquals(live, ImageContent.digest(chain.get(0)));
        } finally {
            try {
                if (host.isConnected() && host.listDomains().stream().anyMatch(d -> d.name().equals(name))) {
                    if (host.isRunning(name)) {
                        host.stop(name);
                    }
                    host.undefine(name);
                }
            } finally {
                host.close();
                dom.close(); // the harness's connection died with libvirtd: it only removes the files now
            }
        }
    }

    /**
     * SIGTERM to the libvirtd under test (by its pidfile, never by name: the host's and a test
     * root's libvirtd may run side by side), wait until it is gone, start it again. QEMU keeps running.
     */
    private static void restartLibvirtd() {
        Duration exit = LibvirtdUnderTest.restart();
        LOG.info("libvirtd took {} ms to exit on SIGTERM", exit.toMillis());
    }
}
