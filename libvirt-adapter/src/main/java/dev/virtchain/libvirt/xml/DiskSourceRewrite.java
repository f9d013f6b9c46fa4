package dev.virtchain.libvirt.xml;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * Changes which image a disk of a shut-off domain starts from, in its full inactive definition,
 * for {@code virDomainDefineXML}: an offline revert makes a new overlay active, an offline commit
 * of the active image makes its backing file active.
 *
 * <p>The definition goes through the JDK's DOM, not through binding classes: those would keep
 * only what they know, and a definition carries much virtchain does not (devices, other
 * applications' {@code <metadata>} in their own namespaces, comments). Only the disk's
 * {@code <source file>}, its {@code <driver type>}, and its {@code <backingStore>} change; the
 * stored chain is dropped because it described the old active image, and libvirt reads the new
 * one's chain from its headers when the domain starts. What changes in the text besides is
 * only what XML says carries no meaning (quote style, attribute order); libvirt re-serialises a
 * definition on define anyway.
 *
 * <p>Give it the <em>inactive</em> XML ({@code VIR_DOMAIN_XML_INACTIVE}, plus
 * {@code VIR_DOMAIN_XML_SECURE} when the definition holds secrets that must survive the define):
 * live XML carries run-time state that does not belong in a definition.
 */
public final class DiskSourceRewrite {
    private DiskSourceRewrite() {}

    /**
     * The definition with disk {@code target} starting from {@code image} (format {@code format}).
     *
     * @throws DomainXmlException.NoSuchDisk   if there is no disk with that target
     * @throws DomainXmlException.NotAFileDisk if the disk is not {@code type='file'}
     */
    public static String withActiveImage(String domainXml, String target, Path image, String format) {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(format, "format");
        if (!image.isAbsolute()) {
            throw new IllegalArgumentException("a disk source must be an absolute path, not " + image);
        }
        Document doc = XmlDom.parse(domainXml, null);
        Element domain = doc.getDocumentElement();
        String name = nameOf(domain);
        Element disk = findDisk(domain, target, name);
        String type = disk.getAttribute("type");
        if (!type.isEmpty() && !type.equals("file")) {
            throw new DomainXmlException.NotAFileDisk(name, target, type);
        }

        Element driver = XmlDom.child(disk, "driver");
        if (driver == null) {
            driver = doc.createElement("driver");
            driver.setAttribute("name", "qemu");
            disk.insertBefore(driver, disk.getFirstChild());
        }
        driver.setAttribute("type", format);

        Element source = XmlDom.child(disk, "source");
        if (source == null) {
            // an empty drive gets its source where libvirt itself writes it: after <driver>
            source = doc.createElement("source");
            disk.insertBefore(source, driver.getNextSibling());
        }
        source.setAttribute("file", image.toString());
        // a node index belongs to a running QEMU's graph, not to a definition
        source.removeAttribute("index");

        List<Element> stale = new ArrayList<>();
        for (Node n = disk.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getNamespaceURI() == null && "backingStore".equals(e.getLocalName())) {
                stale.add(e);
            }
        }
        stale.forEach(XmlDom::removeWithIndent);
        return XmlDom.write(doc);
    }

    private static Element findDisk(Element domain, String target, String name) {
        Element devices = XmlDom.child(domain, "devices");
        if (devices != null) {
            for (Node n = devices.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element e && "disk".equals(e.getLocalName())) {
                    Element t = XmlDom.child(e, "target");
                    if (t != null && target.equals(t.getAttribute("dev"))) {
                        return e;
                    }
                }
            }
        }
        throw new DomainXmlException.NoSuchDisk(name, target);
    }

    private static String nameOf(Element domain) {
        if (!"domain".equals(domain.getLocalName())) {
            throw new DomainXmlException.Unreadable(null, "the document is a <" + domain.getLocalName()
                    + ">, not a <domain>", null);
        }
        Element name = XmlDom.child(domain, "name");
        return name == null ? null : name.getTextContent().strip();
    }
}
