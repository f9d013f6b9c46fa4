package dev.virtchain.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtchain.testing.ImageContent;
import dev.virtchain.testing.TestDomain;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every row of the deletion table (docs/design.md §2), run live on a real domain through the adapter:
 * chain {@code V <- V.1 <- V.2 <- V.3}, S0→V, S1→V.1, S2→V.2. After each job, every surviving
 * point in time keeps its digest (a committed image's point in time now lives in its base), the
 * live view keeps its digest, deleted images are off the XML chain and backing names stay relative.
 */
class DeletionTableIT {
    private static LibvirtHost host;

    @BeforeAll
    static void connect() {
        host = TestHosts.open();
    }

    @AfterAll
    static void disconnect() {
        host.close();
    }

    @Test
    void deleteS2ByPullingItIntoTheActiveImage() {
        try (TestDomain dom = TestDomain.builder().create()) {
            FourImageChain c = FourImageChain.build(host, dom);
            BlockJobWatcher w = host.startPull(new PullRequest(dom.name(), "vda", c.v1, 0), BlockJobObserver.NONE);
            BlockJobOutcome out = await(w);

            assertEquals(BlockJobState.COMPLETED, out.state(), out.reason());
            assertEquals(List.of(c.v3, c.v1, c.v), dom.chain("vda"));
            assertEquals(out.chainAfter(), dom.chain("vda"));
            assertEquals(c.s0, ImageContent.digest(c.v), "S0 still in V");
            assertEquals(c.s1, ImageContent.digest(c.v1), "S1 still in V.1");
            assertEquals(c.live, FourImageChain.liveDigest(dom), "the guest sees what it saw");
            assertEquals("vda.1.qcow2", Images.backingName(c.v3), "V.3 now backed by V.1, relatively");
        }
    }

    @Test
    void deleteS2ByActiveCommitAndPivot() {
        try (TestDomain dom = TestDomain.builder().create()) {
            FourImageChain c = FourImageChain.build(host, dom);
            BlockJobWatcher w = host.startCommit(new CommitRequest(dom.name(), "vda", c.v3, c.v2, 0), BlockJobObserver.NONE);
            assertEquals(BlockJobKind.ACTIVE_COMMIT, w.job().kind());
            BlockJobOutcome out = w.pivot().orTimeout(60, TimeUnit.SECONDS).join();

            assertEquals(BlockJobState.COMPLETED, out.state(), out.reason());
            assertEquals(List.of(c.v2, c.v1, c.v), dom.chain("vda"), "V.2 is active now");
            assertEquals(c.s0, ImageContent.digest(c.v));
            assertEquals(c.s1, ImageContent.digest(c.v1));
            assertEquals(c.live, FourImageChain.liveDigest(dom));
            assertEquals("vda.1.qcow2", Images.backingName(c.v2));
            dom.write("vda", 0x7f, "0", "64k");
            assertTrue(ImageContent.rangeFilledWith(c.v2, 0, 64 << 10, 0x7f), "the guest writes into V.2 now");
        }
    }

    @Test
    void deleteS1ByShallowCommitOfAnInteriorImage() {
        try (TestDomain dom = TestDomain.builder().create()) {
            FourImageChain c = FourImageChain.build(host, dom);
            BlockJobWatcher w = host.startCommit(new CommitRequest(dom.name(), "vda", c.v2, c.v1, 0), BlockJobObserver.NONE);
            assertEquals(BlockJobKind.COMMIT, w.job().kind());
            BlockJobOutcome out = await(w);

            assertEquals(BlockJobState.COMPLETED, out.state(), out.reason());
            assertEquals(List.of(c.v3, c.v1, c.v), dom.chain("vda"));
            assertEquals(c.s0, ImageContent.digest(c.v));
            assertEquals(c.s2, ImageContent.digest(c.v1), "S2's point in time moved down into V.1");
            assertEquals(c.live, FourImageChain.liveDigest(dom));
            assertEquals("vda.1.qcow2", Images.backingName(c.v3));
        }
    }

    @Test
    void deleteS0ByCommittingTheBottomOverlayIntoTheBase() {
        try (TestDomain dom = TestDomain.builder().create()) {
            FourImageChain c = FourImageChain.build(host, dom);
            BlockJobOutcome out = await(host.startCommit(new CommitRequest(dom.name(), "vda", c.v1, c.v, 0), BlockJobObserver.NONE));

            assertEquals(BlockJobState.COMPLETED, out.state(), out.reason());
            assertEquals(List.of(c.v3, c.v2, c.v), dom.chain("vda"));
            assertEquals(c.s1, ImageContent.digest(c.v), "S1's point in time moved down into V");
            assertEquals(c.s2, ImageContent.digest(c.v2));
            assertEquals(c.live, FourImageChain.liveDigest(dom));
            assertEquals(c.v.getFileName().toString(), Images.backingName(c.v2));
            assertEquals("vda.2.qcow2", Images.backingName(c.v3));
        }
    }

    @Test
    void deleteS0AndS1WithOneRangeCommit() {
        try (TestDomain dom = TestDomain.builder().create()) {
            FourImageChain c = FourImageChain.build(host, dom);
            BlockJobOutcome out = await(host.startCommit(new CommitRequest(dom.name(), "vda", c.v2, c.v, 0), BlockJobObserver.NONE));

            assertEquals(BlockJobState.COMPLETED, out.state(), out.reason());
            assertEquals(List.of(c.v3, c.v), dom.chain("vda"));
            assertEquals(c.s2, ImageContent.digest(c.v), "S2's point in time moved down into V");
            assertEquals(c.live, FourImageChain.liveDigest(dom));
            String backing = Images.backingName(c.v3);
            assertNotNull(backing);
            assertFalse(Path.of(backing).isAbsolute(), "backing name stays relative: " + backing);
            assertEquals(c.v.getFileName().toString(), backing);
        }
    }

    static BlockJobOutcome await(BlockJobWatcher w) {
        return w.outcome().orTimeout(60, TimeUnit.SECONDS).join();
    }
}
