package dev.virtchain.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtchain.testing.ImageContent;
import dev.virtchain.testing.TestDomain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** External disk-only snapshots through the adapter on a real libvirtd. */
class SnapshotIT {
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
    void threeDisksAreSnapshottedAtomicallyAndAnUnnamedDiskIsLeftOut() {
        try (TestDomain dom = TestDomain.builder().disks(3).create()) {
            dom.write("vda", 0x61, "0", "1M");
            dom.write("vdb", 0x62, "1M", "1M");
            dom.write("vdc", 0x63, "2M", "1M");
            Map<String, String> digests = new LinkedHashMap<>();
            for (String t : dom.targets()) {
                digests.put(t, ImageContent.digest(dom.activeImage(t)));
            }
            SnapshotResult r = host.takeSnapshot(new SnapshotRequest(dom.name(),
                    Map.of("vda", "vda.1.qcow2", "vdb", "vdb.1.qcow2", "vdc", "vdc.1.qcow2"), QuiesceMode.NO));
            for (String t : dom.targets()) {
                Path overlay = dom.dir().resolve(t + ".1.qcow2");
                assertEquals(overlay, r.overlays().get(t));
                assertEquals(dom.basePath(t), r.holders().get(t));
                assertEquals(List.of(overlay, dom.basePath(t)), dom.chain(t));
                assertEquals(dom.basePath(t).getFileName().toString(), Images.backingName(overlay));
                dom.write(t, 0x70, "0", "4M");
                assertEquals(digests.get(t), ImageContent.digest(dom.basePath(t)), t + "'s point in time is frozen");
            }

            SnapshotResult partial = host.takeSnapshot(new SnapshotRequest(dom.name(),
                    Map.of("vda", "vda.2.qcow2", "vdc", "vdc.2.qcow2"), QuiesceMode.NO));
            assertEquals(Map.of("vda", dom.dir().resolve("vda.2.qcow2"), "vdc", dom.dir().resolve("vdc.2.qcow2")),
                    partial.overlays());
            assertEquals(List.of(dom.dir().resolve("vdb.1.qcow2"), dom.basePath("vdb")), dom.chain("vdb"),
                    "vdb was not named and stays as it was");
        }
    }

    @Test
    void aRawBaseGetsQcow2OverlaysAndCanBeCommittedInto() {
        try (TestDomain dom = TestDomain.builder().baseFormat(TestDomain.Format.RAW).create()) {
            dom.write("vda", 0x64, "0", "1M");
            Path base = dom.basePath("vda");
            host.takeSnapshot(new SnapshotRequest(dom.name(), Map.of("vda", "vda.1.qcow2"), QuiesceMode.NO));
            Path v1 = dom.dir().resolve("vda.1.qcow2");
            assertEquals("raw", Images.info(v1).get("backing-filename-format").asText());
            assertEquals(base.getFileName().toString(), Images.backingName(v1));
            dom.write("vda", 0x65, "512k", "1M");
            String s1 = ImageContent.digest(v1);
            host.takeSnapshot(new SnapshotRequest(dom.name(), Map.of("vda", "vda.2.qcow2"), QuiesceMode.NO));
            dom.write("vda", 0x66, "1M", "1M");
            String live = FourImageChain.liveDigest(dom);

            BlockJobOutcome out = DeletionTableIT.await(
                    host.startCommit(new CommitRequest(dom.name(), "vda", v1, base, 0), BlockJobObserver.NONE));
            assertEquals(BlockJobState.COMPLETED, out.state(), out.reason());
            assertEquals(List.of(dom.dir().resolve("vda.2.qcow2"), base), dom.chain("vda"));
            assertEquals(s1, ImageContent.digest(base), "the raw base now holds S1's point in time");
            assertEquals(live, FourImageChain.liveDigest(dom));
        }
    }

    @Test
    void aFailedSnapshotRemovesTheOverlaysItCreatedAndNothingElse() throws IOException {
        try (TestDomain dom = TestDomain.builder().disks(2).create()) {
            List<Path> vdaBefore = dom.chain("vda");
            Path bystander = dom.dir().resolve("vdb.keep.qcow2");
            Files.writeString(bystander, "not ours");
            // No guest agent channel in the live XML: the quiesce is refused after both overlays were
            // created, without asking libvirt (which would refuse it with VIR_ERR_ARGUMENT_UNSUPPORTED).
            SnapshotException e = assertThrows(SnapshotException.class, () -> host.takeSnapshot(new SnapshotRequest(
                    dom.name(), Map.of("vda", "vda.1.qcow2", "vdb", "vdb.1.qcow2"), QuiesceMode.YES)));
            assertEquals(dom.name(), e.involved().domain());
            org.junit.jupiter.api.Assertions.assertTrue(e.agentUnavailable());
            assertEquals(dom.name() + " has no guest agent channel (org.qemu.guest_agent.0); nothing was changed."
                    + " Check that qemu-guest-agent runs in the guest, or snapshot with --quiesce auto or no",
                    e.getMessage(), "the user's words, no trace");
            assertFalse(Files.exists(dom.dir().resolve("vda.1.qcow2")));
            assertFalse(Files.exists(dom.dir().resolve("vdb.1.qcow2")));
            assertEquals(vdaBefore, dom.chain("vda"));

            // A name that exists is refused before anything is created, and the file is left alone.
            SnapshotException clash = assertThrows(SnapshotException.class, () -> host.takeSnapshot(new SnapshotRequest(
                    dom.name(), Map.of("vda", "vda.1.qcow2", "vdb", "vdb.keep.qcow2"), QuiesceMode.NO)));
            assertEquals(bystander, clash.involved().file());
            assertEquals("not ours", Files.readString(bystander));
            assertFalse(Files.exists(dom.dir().resolve("vda.1.qcow2")));
        }
    }

    @Test
    void quiesceAutoFallsBackToCrashConsistentWithoutAGuestAgent() {
        try (TestDomain dom = TestDomain.builder().create()) {
            SnapshotResult r = host.takeSnapshot(new SnapshotRequest(dom.name(), Map.of("vda", "vda.1.qcow2"), QuiesceMode.AUTO));
            assertEquals(Consistency.CRASH_CONSISTENT, r.consistency());
            assertEquals(List.of(dom.dir().resolve("vda.1.qcow2"), dom.basePath("vda")), dom.chain("vda"));
        }
    }

    @Test
    void aShutOffDomainIsSnapshottedByLibvirtToo() {
        try (TestDomain dom = TestDomain.builder().running(false).create()) {
            SnapshotResult r = host.takeSnapshot(new SnapshotRequest(dom.name(), Map.of("vda", "vda.1.qcow2"), QuiesceMode.AUTO));
            Path overlay = dom.dir().resolve("vda.1.qcow2");
            assertEquals(Consistency.SHUT_OFF, r.consistency());
            assertEquals(overlay, dom.activeImage("vda"), "the definition now names the overlay");
            assertEquals(dom.basePath("vda").getFileName().toString(), Images.backingName(overlay));
            assertThrows(SnapshotException.class, () -> host.takeSnapshot(
                    new SnapshotRequest(dom.name(), Map.of("vda", "vda.2.qcow2"), QuiesceMode.YES)));
            assertFalse(Files.exists(dom.dir().resolve("vda.2.qcow2")));

            dom.start();
            assertEquals(List.of(overlay, dom.basePath("vda")), dom.chain("vda"), "QEMU opens the chain through the overlay");
            dom.write("vda", 0x67, "0", "64k");
            assertTrue(ImageContent.rangeFilledWith(overlay, 0, 64 << 10, 0x67));
        }
    }
}
