package dev.virtchain.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The XML handed to libvirt, and the mirror state read from recorded live XML. */
class LibvirtXmlTest {

    @Test
    void theSnapshotRequestNamesEachOverlayAndLeavesOtherDisksOut() {
        Map<String, Path> overlays = new LinkedHashMap<>();
        overlays.put("vda", Path.of("/images/web/vda.7.qcow2"));
        overlays.put("vdc", Path.of("/images/web/it's & <odd>.qcow2"));
        String xml = LibvirtXml.snapshot(List.of("vda", "vdb", "vdc"), overlays);
        assertEquals("<domainsnapshot><disks>"
                + "<disk name=\"vda\" snapshot=\"external\"><driver type=\"qcow2\"/><source file=\"/images/web/vda.7.qcow2\"/></disk>"
                + "<disk name=\"vdb\" snapshot=\"no\"/>"
                + "<disk name=\"vdc\" snapshot=\"external\"><driver type=\"qcow2\"/>"
                + "<source file=\"/images/web/it's &amp; &lt;odd>.qcow2\"/></disk>"
                + "</disks></domainsnapshot>", xml);
    }

    @Test
    void aCopyDestinationIsAFileDiskWithItsFormat() {
        assertEquals("<disk type=\"file\"><driver type=\"raw\"/><source file=\"/images/web/full.img\"/></disk>",
                LibvirtXml.copyDestination(Path.of("/images/web/full.img"), "raw"));
    }

    @Test
    void aMirrorIsReadyOnlyWhenLibvirtSaysYes() throws IOException {
        assertTrue(MirrorXml.ready(recorded("mirror-ready.xml"), "vda"));
        assertFalse(MirrorXml.ready(recorded("mirror-running.xml"), "vda"), "a running mirror has no ready attribute");
        assertFalse(MirrorXml.ready(recorded("mirror-ready.xml"), "vdb"), "no such disk");
    }

    @Test
    void disksInterleavedWithOtherDevicesAreAllSeen() throws IOException {
        String xml = recorded("two-disks-interleaved.xml");
        assertTrue(MirrorXml.ready(xml, "vda"));
        assertTrue(MirrorXml.ready(xml, "vdb"), "the second run of <disk> elements is read too");
        assertEquals(List.of(Path.of("/var/lib/libvirt/images/web/copy.qcow2"), Path.of("/var/lib/libvirt/images/web/v1.qcow2"),
                Path.of("/var/lib/libvirt/images/web/base.qcow2")), LiveXml.requireChain(xml, "web", "vda"));
        assertEquals(List.of(Path.of("/var/lib/libvirt/images/web/data.qcow2")), LiveXml.requireChain(xml, "web", "vdb"));
    }

    /** An inactive definition states no chain: taken for the live XML it is an error naming the domain and disk. */
    @Test
    void xmlWithoutTheWholeChainIsNotTakenForTheLiveXml() {
        String inactive = "<domain type='kvm'><name>web</name><devices><disk type='file' device='disk'>"
                + "<driver name='qemu' type='qcow2'/><source file='/v/web.vda.2.qcow2'/><target dev='vda'/>"
                + "</disk></devices></domain>";
        dev.virtchain.libvirt.xml.DomainXmlException e = org.junit.jupiter.api.Assertions.assertThrows(
                dev.virtchain.libvirt.xml.DomainXmlException.class, () -> LiveXml.chain(inactive, "web", "vda"));
        assertEquals(java.util.Optional.of("web"), e.domain());
        assertTrue(e.getMessage().startsWith("cannot read the XML of domain web: disk vda states no complete chain"),
                e.getMessage());
    }

    /** A disk the live XML lacks refuses the job before libvirt is asked, naming the domain and disk. */
    @Test
    void aDiskMissingFromTheLiveXmlRefusesTheJob() throws IOException {
        BlockJobRefused e = org.junit.jupiter.api.Assertions.assertThrows(BlockJobRefused.class,
                () -> LiveXml.requireChain(recorded("two-disks-interleaved.xml"), "web", "vdz"));
        assertEquals("web", e.involved().domain());
        assertEquals("vdz", e.involved().disk());
        assertTrue(e.getMessage().startsWith("domain web has no file-backed disk vdz in its live XML"), e.getMessage());
    }

    static String recorded(String name) throws IOException {
        try (InputStream in = LibvirtXmlTest.class.getResourceAsStream("/recorded/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
