package dev.virtchain.libvirt.xml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtchain.libvirt.image.QemuImg;
import dev.virtchain.testing.TestDomain;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/** Domain XML written by virtchain, as a real libvirtd takes and gives it back. */
class DomainDefinitionIT {
    private static final int INACTIVE = Domain.XMLFlags.INACTIVE | Domain.XMLFlags.SECURE;
    private static final PolicyMetadata POLICY =
            new PolicyMetadata("0 15 * * * ?", 2, 24, 7, 4, 0, 0, 10, PolicyMetadata.Quiesce.OFF);

    @Test
    void redefiningWithANewActiveImageChangesNothingElse() throws LibvirtException {
        try (TestDomain dom = TestDomain.builder().disks(2).running(false).create()) {
            Domain d = dom.domain();
            d.setMetadata(Domain.MetadataType.ELEMENT, "<note owner='ops'>keep me</note>", "other",
                    "http://example.org/other/1", Domain.ModificationImpact.CONFIG);
            setPolicy(d);
            Path overlay = dom.dir().resolve("vda.1.qcow2");
            QemuImg.withDefaults().createOverlay(overlay, dom.basePath("vda"), "qcow2");

            String before = d.getXMLDesc(INACTIVE);
            dom.connection().domainDefineXML(DiskSourceRewrite.withActiveImage(before, "vda", overlay, "qcow2"));
            String after = d.getXMLDesc(INACTIVE);

            assertEquals(withoutSourceOf(before, "vda"), withoutSourceOf(after, "vda"));
            DomainDescription read = DomainXmlReader.read(after);
            assertEquals(overlay, read.requireDisk("vda").source());
            assertEquals(DomainXmlReader.read(before).requireDisk("vdb"), read.requireDisk("vdb"));
            assertEquals(Optional.of(POLICY), PolicyMetadataXml.fromDomainXml(after));

            dom.start();
            assertEquals(List.of(overlay, dom.basePath("vda")), dom.chain("vda"));
        }
    }

    @Test
    void policyRoundTripsThroughLibvirtsMetadataApi() throws LibvirtException {
        try (TestDomain dom = TestDomain.builder().disks(1).running(false).create()) {
            Domain d = dom.domain();
            setPolicy(d);
            String got = d.getMetadata(Domain.MetadataType.ELEMENT, PolicyMetadata.NAMESPACE,
                    Domain.ModificationImpact.CONFIG);
            assertEquals(POLICY, PolicyMetadataXml.read(got));
            String xml = d.getXMLDesc(INACTIVE);
            assertTrue(xml.contains("<virtchain:policy xmlns:virtchain=\"https://virtchain.dev/xmlns/1\">"), xml);
            assertEquals(Optional.of(POLICY), PolicyMetadataXml.fromDomainXml(xml));
            // libvirt applies the namespace itself and refuses an element that declares it already
            assertThrows(LibvirtException.class, () -> d.setMetadata(Domain.MetadataType.ELEMENT,
                    PolicyMetadataXml.namespaced(POLICY), PolicyMetadata.PREFIX, PolicyMetadata.NAMESPACE,
                    Domain.ModificationImpact.CONFIG));
            // …while a definition that carries the namespaced form is accepted as is
            dom.connection().domainDefineXML(xml);
            assertEquals(Optional.of(POLICY), PolicyMetadataXml.fromDomainXml(d.getXMLDesc(INACTIVE)));
        }
    }

    private static void setPolicy(Domain d) throws LibvirtException {
        d.setMetadata(Domain.MetadataType.ELEMENT, PolicyMetadataXml.forSetMetadata(POLICY), PolicyMetadata.PREFIX,
                PolicyMetadata.NAMESPACE, Domain.ModificationImpact.CONFIG);
    }

    /** The definition without one disk's source, format and stored chain, and without indentation. */
    private static String withoutSourceOf(String xml, String target) {
        Document doc = XmlDom.parse(xml, null);
        var disks = doc.getElementsByTagName("disk");
        for (int i = 0; i < disks.getLength(); i++) {
            Element disk = (Element) disks.item(i);
            if (!target.equals(XmlDom.child(disk, "target").getAttribute("dev"))) {
                continue;
            }
            for (String tag : List.of("source", "backingStore")) {
                for (Element e; (e = XmlDom.child(disk, tag)) != null; ) {
                    disk.removeChild(e);
                }
            }
            XmlDom.child(disk, "driver").removeAttribute("type");
        }
        dropBlankText(doc.getDocumentElement());
        return XmlDom.write(doc);
    }

    private static void dropBlankText(Node node) {
        for (Node c = node.getFirstChild(), next; c != null; c = next) {
            next = c.getNextSibling();
            if (c.getNodeType() == Node.TEXT_NODE && c.getTextContent().isBlank()) {
                node.removeChild(c);
            } else {
                dropBlankText(c);
            }
        }
    }
}
