package dev.virtchain.libvirt.xml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtchain.libvirt.Golden;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class DomainXmlReaderTest {
    private static final String DIR = "/var/lib/libvirt/images/golden/";

    private static Path img(String name) {
        return Path.of(DIR + name);
    }

    @Test
    void runningDomainStatesTheWholeChainWithIndices() {
        DomainDescription d = DomainXmlReader.read(Golden.read("chain3-running.xml"));
        assertEquals("vcgolden-web", d.name());
        assertEquals("536e9434-a1df-44c4-bdc4-671b94586524", d.uuid());
        assertEquals("qemu", d.type());
        Disk vda = d.requireDisk("vda");
        assertEquals(ChainInXml.COMPLETE, vda.chainInXml());
        assertEquals(List.of(img("web-vda.3.qcow2"), img("web-vda.2.qcow2"), img("web-vda.1.qcow2"),
                img("web-vda.qcow2")), vda.chainFiles());
        assertEquals(4, vda.sourceIndex());
        assertEquals(List.of(3, 2, 1), vda.backing().stream().map(BackingImage::index).toList());
        assertEquals("qcow2", vda.format());
        assertEquals("qcow2", vda.backing().get(2).format());
        assertEquals("virtio-disk0", vda.alias());
        assertEquals("virtio", vda.bus());
        assertTrue(vda.snapshottable());
        assertTrue(d.unsupported().isEmpty());
        assertTrue(d.live(), "a running domain's live XML carries its id");
    }

    @Test
    void inactiveDefinitionStoredAfterASnapshotHasAnUnterminatedChain() {
        DomainDescription d = DomainXmlReader.read(Golden.read("chain3-shutoff.xml"));
        assertFalse(d.live(), "an inactive definition has no id");
        Disk vda = d.requireDisk("vda");
        assertEquals(ChainInXml.STORED, vda.chainInXml());
        assertEquals(4, vda.chainFiles().size());
        assertEquals(0, vda.sourceIndex());
        assertNull(vda.alias());
    }

    @Test
    void rawBaseFormatComesFromTheBackingStore() {
        Disk vda = DomainXmlReader.read(Golden.read("rawbase-running.xml")).requireDisk("vda");
        assertEquals(ChainInXml.COMPLETE, vda.chainInXml());
        assertEquals(List.of(new BackingImage(img("legacy-vda.img"), "raw", 1)), vda.backing());
    }

    @Test
    void freshInactiveDefinitionHasNoChainAndKeepsEveryDiskInOrder() {
        DomainDescription d = DomainXmlReader.read(Golden.read("twodisk-shutoff.xml"));
        assertEquals(List.of("vda", "vdb", "sda"), d.disks().stream().map(Disk::target).toList());
        Disk vda = d.requireDisk("vda");
        assertEquals(ChainInXml.ABSENT, vda.chainInXml());
        assertEquals(List.of(img("db-vda.1.qcow2")), vda.chainFiles());
        Disk vdb = d.requireDisk("vdb");
        assertTrue(vdb.shareable());
        assertFalse(vdb.snapshottable());
        assertEquals("raw", vdb.format());
        Disk cdrom = d.requireDisk("sda");
        assertEquals(DiskDevice.CDROM, cdrom.device());
        assertTrue(cdrom.readonly());
        assertNull(cdrom.source());
        assertFalse(cdrom.snapshottable());
    }

    @Test
    void runningTwoDiskDomainTerminatesEveryChainEvenWithoutBacking() {
        DomainDescription d = DomainXmlReader.read(Golden.read("twodisk-running.xml"));
        Disk vda = d.requireDisk("vda");
        assertEquals(ChainInXml.COMPLETE, vda.chainInXml());
        // libvirt numbers nodes in the order it opened them, not by depth
        assertEquals(3, vda.sourceIndex());
        assertEquals(4, vda.backing().get(0).index());
        Disk vdb = d.requireDisk("vdb");
        assertEquals(ChainInXml.COMPLETE, vdb.chainInXml());
        assertTrue(vdb.backing().isEmpty());
        assertEquals("virtio-disk1", vdb.alias());
    }

    @Test
    void nonFileDisksAreReportedAndTheOthersStillRead() {
        DomainDescription d = DomainXmlReader.read(Golden.read("mixed-sources-shutoff.xml"));
        assertEquals(List.of("vda"), d.disks().stream().map(Disk::target).toList());
        assertEquals(List.of(
                new UnsupportedDisk("vcgolden-mixed", "vdb", "block", "dev=/dev/vg0/data"),
                new UnsupportedDisk("vcgolden-mixed", "vdc", "network", "protocol=rbd name=pool/image"),
                new UnsupportedDisk("vcgolden-mixed", "vdd", "volume", "pool=default volume=scratch.qcow2")),
                d.unsupported());
        var e = assertThrows(DomainXmlException.NotAFileDisk.class, () -> d.requireDisk("vdc"));
        assertEquals("network", e.sourceType());
        assertTrue(e.getMessage().contains("vcgolden-mixed"), e.getMessage());
        assertThrows(DomainXmlException.NoSuchDisk.class, () -> d.requireDisk("vdz"));
    }

    @Test
    void disksInterleavedWithOtherDevicesAreAllKept() {
        String xml = "<domain type='kvm'><name>d</name><devices>"
                + "<disk type='file'><source file='/i/a'/><target dev='vda'/></disk>"
                + "<interface type='network'/>"
                + "<disk type='file'><source file='/i/b'/><target dev='vdb'/></disk>"
                + "</devices></domain>";
        assertEquals(List.of("vda", "vdb"), DomainXmlReader.read(xml).disks().stream().map(Disk::target).toList());
    }

    @Test
    void aNetworkImageInTheChainMakesTheDiskUnsupported() {
        String xml = "<domain type='kvm'><name>d</name><devices><disk type='file' device='disk'>"
                + "<source file='/i/top.qcow2'/>"
                + "<backingStore type='network'><format type='raw'/><source protocol='nbd' name='exp'/></backingStore>"
                + "<target dev='vda'/></disk></devices></domain>";
        DomainDescription d = DomainXmlReader.read(xml);
        assertTrue(d.disks().isEmpty());
        assertEquals("network", d.unsupported().get(0).sourceType());
    }

    /** libvirt quiesces through the channel named org.qemu.guest_agent.0 and no other. */
    @Test
    void theGuestAgentChannelIsTheOneNamedForQemuGuestAgent() {
        assertTrue(DomainXmlReader.read(Golden.read("perdomain-files-shutoff.xml")).guestAgentChannel(),
                "a unix channel to org.qemu.guest_agent.0 among others");
        assertFalse(DomainXmlReader.read(Golden.read("chain3-running.xml")).guestAgentChannel(), "no channel");
        String others = "<domain type='kvm'><name>d</name><devices>"
                + "<channel type='unix'><target type='virtio' name='com.example.monitor'/></channel>"
                + "<channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>"
                + "<disk type='file'><source file='/i/a'/><target dev='vda'/></disk>"
                + "<channel type='pty'><target type='virtio'/></channel>"
                + "</devices></domain>";
        assertFalse(DomainXmlReader.read(others).guestAgentChannel(), "other channels only");
        String last = others.replace("</devices>",
                "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0' state='disconnected'/>"
                        + "</channel></devices>");
        assertTrue(DomainXmlReader.read(last).guestAgentChannel(), "after a disk, disconnected for now");
    }

    @Test
    void unreadableXmlIsATypedError() {
        assertThrows(DomainXmlException.Unreadable.class, () -> DomainXmlReader.read("<domain><name>x</nam"));
        assertThrows(DomainXmlException.Unreadable.class,
                () -> DomainXmlReader.read("<!DOCTYPE d [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><domain><name>&e;</name></domain>"));
    }
}
