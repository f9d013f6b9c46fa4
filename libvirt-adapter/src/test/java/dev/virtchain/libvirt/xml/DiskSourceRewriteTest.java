package dev.virtchain.libvirt.xml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtchain.libvirt.Golden;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

class DiskSourceRewriteTest {
    private static final Path NEW = Path.of("/var/lib/libvirt/images/golden/web-vda.1.qcow2");

    @Test
    void changesOnlyTheDisksSourceFormatAndStoredChain() {
        String before = Golden.read("chain3-shutoff.xml");
        String after = DiskSourceRewrite.withActiveImage(before, "vda", NEW, "qcow2");

        Disk vda = DomainXmlReader.read(after).requireDisk("vda");
        assertEquals(NEW, vda.source());
        assertEquals(ChainInXml.ABSENT, vda.chainInXml());
        assertEquals(withoutDiskSource(before), withoutDiskSource(after));
    }

    @Test
    void keepsOtherApplicationsMetadataWithItsNamespaces() {
        String before = Golden.read("twodisk-shutoff.xml");
        String after = DiskSourceRewrite.withActiveImage(before, "vda", NEW, "raw");
        assertEquals(PolicyMetadataXml.fromDomainXml(before), PolicyMetadataXml.fromDomainXml(after));
        assertTrue(after.contains("<other:note xmlns:other=\"http://example.org/other/1\" owner=\"ops\">keep me</other:note>"),
                after);
        Disk vda = DomainXmlReader.read(after).requireDisk("vda");
        assertEquals("raw", vda.format());
        assertEquals(withoutDiskSource(before), withoutDiskSource(after));
        // the other disks are untouched
        assertEquals(DomainXmlReader.read(before).disks().subList(1, 3), DomainXmlReader.read(after).disks().subList(1, 3));
    }

    @Test
    void dropsRunTimeIndexWhenGivenLiveXml() {
        String after = DiskSourceRewrite.withActiveImage(Golden.read("chain3-running.xml"), "vda", NEW, "qcow2");
        Disk vda = DomainXmlReader.read(after).requireDisk("vda");
        assertEquals(0, vda.sourceIndex());
        assertEquals(List.of(NEW), vda.chainFiles());
    }

    @Test
    void givesAnEmptyDriveASource() {
        String after = DiskSourceRewrite.withActiveImage(Golden.read("twodisk-shutoff.xml"), "sda",
                Path.of("/iso/install.iso"), "raw");
        assertEquals(Path.of("/iso/install.iso"), DomainXmlReader.read(after).requireDisk("sda").source());
    }

    @Test
    void keepsCommentsAndUnknownElements() {
        String xml = "<domain type='kvm'><name>d</name><!-- edited by ops, ticket 42 --><devices>"
                + "<disk type='file' device='disk'><driver name='qemu' type='qcow2' io='native'/>"
                + "<source file='/i/old.qcow2'><seclabel model='dac' relabel='no'/></source>"
                + "<target dev='vda' bus='virtio'/><iotune><total_bytes_sec>1000</total_bytes_sec></iotune></disk>"
                + "</devices><x:future xmlns:x='urn:future'/></domain>";
        String after = DiskSourceRewrite.withActiveImage(xml, "vda", NEW, "qcow2");
        assertTrue(after.contains("<!-- edited by ops, ticket 42 -->"), after);
        assertTrue(after.contains("<seclabel model=\"dac\" relabel=\"no\"/>"), after);
        assertTrue(after.contains("<iotune><total_bytes_sec>1000</total_bytes_sec></iotune>"), after);
        assertTrue(after.contains("<x:future xmlns:x=\"urn:future\"/>"), after);
        assertTrue(after.contains("io=\"native\""), after);
    }

    @Test
    void refusesMissingAndNonFileDisks() {
        String mixed = Golden.read("mixed-sources-shutoff.xml");
        var noDisk = assertThrows(DomainXmlException.NoSuchDisk.class,
                () -> DiskSourceRewrite.withActiveImage(mixed, "vdz", NEW, "qcow2"));
        assertEquals(java.util.Optional.of("vcgolden-mixed"), noDisk.domain());
        var block = assertThrows(DomainXmlException.NotAFileDisk.class,
                () -> DiskSourceRewrite.withActiveImage(mixed, "vdb", NEW, "qcow2"));
        assertEquals("block", block.sourceType());
        assertThrows(IllegalArgumentException.class,
                () -> DiskSourceRewrite.withActiveImage(mixed, "vda", Path.of("rel.qcow2"), "qcow2"));
    }

    /**
     * The definition with every disk's source, driver format and stored chain taken out and
     * whitespace between elements dropped: two definitions that differ only in disk sources are
     * equal in this form.
     */
    static String withoutDiskSource(String xml) {
        Document doc = XmlDom.parse(xml, null);
        var disks = doc.getElementsByTagName("disk");
        for (int i = 0; i < disks.getLength(); i++) {
            Element disk = (Element) disks.item(i);
            for (String tag : List.of("source", "backingStore")) {
                Element e;
                while ((e = XmlDom.child(disk, tag)) != null) {
                    disk.removeChild(e);
                }
            }
            Element driver = XmlDom.child(disk, "driver");
            if (driver != null) {
                driver.removeAttribute("type");
            }
        }
        dropBlankText(doc.getDocumentElement());
        return XmlDom.write(doc);
    }

    private static void dropBlankText(Node node) {
        Node c = node.getFirstChild();
        while (c != null) {
            Node next = c.getNextSibling();
            if (c.getNodeType() == Node.TEXT_NODE && c.getTextContent().isBlank()) {
                node.removeChild(c);
            } else {
                dropBlankText(c);
            }
            c = next;
        }
    }
}
