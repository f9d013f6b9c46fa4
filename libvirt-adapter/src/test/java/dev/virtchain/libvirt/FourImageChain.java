package dev.virtchain.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.virtchain.testing.ImageContent;
import dev.virtchain.testing.TestDomain;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The chain of docs/design.md §2 on {@code vda}: {@code V <- V.1 <- V.2 <- V.3} (active), snapshots
 * S0→V, S1→V.1, S2→V.2, taken through {@link LibvirtHost#takeSnapshot}. Every layer gets guest
 * data overlapping the layer below, so each point in time differs from its neighbours; their
 * digests are recorded as they are frozen.
 */
final class FourImageChain {
    final Path v;
    final Path v1;
    final Path v2;
    final Path v3;
    final String s0;
    final String s1;
    final String s2;
    final String live;

    private FourImageChain(Path v, Path v1, Path v2, Path v3, String s0, String s1, String s2, String live) {
        this.v = v;
        this.v1 = v1;
        this.v2 = v2;
        this.v3 = v3;
        this.s0 = s0;
        this.s1 = s1;
        this.s2 = s2;
        this.live = live;
    }

    static FourImageChain build(LibvirtHost host, TestDomain dom) {
        Path v = dom.basePath("vda");
        dom.write("vda", 0x10, "0", "2M");
        String s0 = snapshot(host, dom, "vda.1.qcow2", v);
        dom.write("vda", 0x11, "1M", "2M");
        String s1 = snapshot(host, dom, "vda.2.qcow2", dom.dir().resolve("vda.1.qcow2"));
        dom.write("vda", 0x12, "2M", "2M");
        String s2 = snapshot(host, dom, "vda.3.qcow2", dom.dir().resolve("vda.2.qcow2"));
        dom.write("vda", 0x13, "3M", "2M");
        Path v1 = dom.dir().resolve("vda.1.qcow2");
        Path v2 = dom.dir().resolve("vda.2.qcow2");
        Path v3 = dom.dir().resolve("vda.3.qcow2");
        assertEquals(List.of(v3, v2, v1, v), dom.chain("vda"));
        return new FourImageChain(v, v1, v2, v3, s0, s1, s2, ImageContent.digest(v3));
    }

    /** Snapshots vda, checks the holder is the expected image and returns the digest of its point in time. */
    private static String snapshot(LibvirtHost host, TestDomain dom, String overlay, Path expectedHolder) {
        SnapshotResult r = host.takeSnapshot(new SnapshotRequest(dom.name(), Map.of("vda", overlay), QuiesceMode.NO));
        assertEquals(expectedHolder, r.holders().get("vda"));
        assertEquals(Consistency.CRASH_CONSISTENT, r.consistency());
        return ImageContent.digest(expectedHolder);
    }

    /** The live view after flushing QEMU's cache, so the digest sees every guest write. */
    static String liveDigest(TestDomain dom) {
        dom.flush("vda");
        return ImageContent.digest(dom.activeImage("vda"));
    }
}
