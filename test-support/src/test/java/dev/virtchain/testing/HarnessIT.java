package dev.virtchain.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Proves the harness is real: a live QEMU, guest writes, and an external snapshot that freezes data. */
class HarnessIT {

    @Test
    void externalSnapshotFreezesWhatTheGuestWrote() {
        Path dir;
        String name;
        try (TestDomain dom = TestDomain.builder().disks(2).create()) {
            dir = dom.dir();
            name = dom.name();
            assertTrue(dom.isRunning(), "the domain runs under a real QEMU");
            dom.write("vda", 0x11, "0", "1M");
            dom.write("vdb", 0x22, "4M", "512k");
            Path vda = dom.activeImage("vda");
            Path vdb = dom.activeImage("vdb");
            String vdaBefore = ImageContent.digest(vda);
            String vdbBefore = ImageContent.digest(vdb);
            assertTrue(ImageContent.rangeFilledWith(vda, 0, 1 << 20, 0x11));

            Path vdaOverlay = dom.dir().resolve("vda.1.qcow2");
            Path vdbOverlay = dom.dir().resolve("vdb.1.qcow2");
            dom.externalSnapshot(Map.of("vda", vdaOverlay, "vdb", vdbOverlay));
            assertEquals(List.of(vdaOverlay, vda), dom.chain("vda"), "the overlay is active, the base backs it");
            assertEquals(List.of(vdbOverlay, vdb), dom.chain("vdb"));

            dom.write("vda", 0x33, "512k", "1M");
            dom.write("vdb", 0x44, "0", "64k");

            assertEquals(vdaBefore, ImageContent.digest(vda), "the frozen vda image still shows the old data");
            assertEquals(vdbBefore, ImageContent.digest(vdb), "the frozen vdb image still shows the old data");
            String vdaLive = ImageContent.digest(vdaOverlay);
            assertNotEquals(vdaBefore, vdaLive);
            assertTrue(ImageContent.rangeFilledWith(vdaOverlay, 0, 512 << 10, 0x11), "untouched data shows through");
            assertTrue(ImageContent.rangeFilledWith(vdaOverlay, 512 << 10, 1 << 20, 0x33), "the live view has the new data");
            assertTrue(ImageContent.rangeFilledWith(vdbOverlay, 0, 64 << 10, 0x44));
            assertTrue(ImageContent.rangeFilledWith(vdbOverlay, 4 << 20, 512 << 10, 0x22));
        }
        assertFalse(Files.exists(dir), "teardown removes the test directory");
        assertFalse(List.of(listAll()).contains(name), "teardown undefines the domain");
    }

    @Test
    void shutOffDomainIsDefinedButNotRunningAndRawBasesWork() {
        try (TestDomain dom = TestDomain.builder().running(false).baseFormat(TestDomain.Format.RAW).disks(3).create()) {
            assertFalse(dom.isRunning());
            assertEquals(List.of("vda", "vdb", "vdc"), dom.targets());
            assertEquals(List.of(dom.basePath("vdc")), dom.chain("vdc"));
            dom.start();
            dom.write("vdc", 0x7e, "0", "64k");
            assertTrue(ImageContent.rangeFilledWith(dom.activeImage("vdc"), 0, 64 << 10, 0x7e));
        }
    }

    @Test
    void leftoversOfDeadProcessesAreRecognisedButLiveOnesAreNot() {
        long me = ProcessHandle.current().pid();
        assertFalse(Leftovers.orphaned("vctest-" + me + "-abcdefgh"), "our own domains are not leftovers");
        assertTrue(Leftovers.orphaned("vctest-999999999-abcdefgh"), "a dead pid's domain is a leftover");
        assertFalse(Leftovers.orphaned("production-vm"), "only vctest- names are ever touched");
    }

    /**
     * The URI and the pidfile name the same libvirtd: the daemon the tests connect to runs in the
     * root under test, and its version is what that root's libvirtd binary reports. A test that
     * stops libvirtd by that pidfile therefore stops the one it talks to, never the other one.
     */
    @Test
    void theLibvirtdAtTheUriIsTheOneThePidfileNames() throws Exception {
        long pid = LibvirtdUnderTest.pid(); // checks: alive, a libvirtd, in the root under test
        String answering = LibvirtdUnderTest.version(TestLibvirt.connection().getLibVersion());
        assertEquals(LibvirtdUnderTest.installedVersion(), answering,
                "the libvirtd at " + LibvirtdUnderTest.uri() + " is the one installed in " + LibvirtdUnderTest.root());
        assertEquals(LibvirtdUnderTest.root(), Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "root")));
        String described = LibvirtdUnderTest.describe(TestLibvirt.connection());
        assertTrue(described.contains("libvirt " + answering) && described.contains("QEMU "), described);
    }

    /**
     * QEMU holds its image locks, so a writer outside QEMU is refused. In a chroot libvirt's
     * default private /dev namespace leaves QEMU unable to probe OFD locks and it runs without
     * any (libvirt 11.3 / QEMU 10.0, measured): the test root sets {@code namespaces = [ ]}, and
     * this fails if that ever stops being enough.
     */
    @Test
    void qemuHoldsTheLockOfTheImageItWrites() {
        try (TestDomain dom = TestDomain.builder().create()) {
            Path active = dom.activeImage("vda");
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> Tools.run(List.of("qemu-img", "info", "-f", "qcow2", active.toString())),
                    "qemu-img opened " + active + " while QEMU runs on it: QEMU holds no image lock");
            assertTrue(refused.getMessage().contains("lock"), refused.getMessage());
        }
    }

    private static String[] listAll() {
        try {
            // One listing of running and defined domains: per-id look-ups race with other runs.
            org.libvirt.Domain[] all = TestLibvirt.connection().listAllDomains(0);
            String[] names = new String[all.length];
            for (int i = 0; i < all.length; i++) {
                names[i] = all[i].getName();
            }
            return names;
        } catch (org.libvirt.LibvirtException e) {
            throw new IllegalStateException(e);
        }
    }
}
