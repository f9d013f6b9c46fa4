package dev.virtchain.libvirt.xml;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The definition of a clone: a copy of a domain's inactive definition under a new name, starting
 * each writable disk from a thin overlay on the snapshot's holder. Whatever would make the clone
 * share state with its origin goes, so that libvirt makes it afresh: the UUID, every interface's
 * MAC address, the UEFI variable store path, and virtchain's own policy element (a clone is
 * snapshotted only when someone sets a policy on it).
 */
public final class CloneDefinition {
    private CloneDefinition() {}

    /**
     * @param disks per disk target, the clone's overlay; every writable file disk must be named,
     *              because a disk left out would be shared read-write with the origin
     */
    public static String of(String originXml, String newName, Map<String, Path> disks) {
        String xml = originXml;
        for (Map.Entry<String, Path> d : disks.entrySet()) {
            xml = DiskSourceRewrite.withActiveImage(xml, d.getKey(), d.getValue(), "qcow2");
        }
        Document doc = XmlDom.parse(xml, null);
        Element domain = doc.getDocumentElement();
        String origin = text(XmlDom.child(domain, "name"));
        requireEveryWritableDisk(domain, origin, disks);
        Element name = XmlDom.child(domain, "name");
        name.setTextContent(newName);
        remove(XmlDom.child(domain, "uuid"));
        Element os = XmlDom.child(domain, "os");
        if (os != null) {
            remove(XmlDom.child(os, "nvram"));
        }
        Element devices = XmlDom.child(domain, "devices");
        if (devices != null) {
            for (Element iface : children(devices, "interface")) {
                remove(XmlDom.child(iface, "mac"));
            }
        }
        Element metadata = XmlDom.child(domain, "metadata");
        if (metadata != null) {
            List<Element> ours = new ArrayList<>();
            for (Node n = metadata.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element e && PolicyMetadata.NAMESPACE.equals(e.getNamespaceURI())) {
                    ours.add(e);
                }
            }
            ours.forEach(XmlDom::removeWithIndent);
        }
        return XmlDom.write(doc);
    }

    private static void requireEveryWritableDisk(Element domain, String origin, Map<String, Path> disks) {
        Element devices = XmlDom.child(domain, "devices");
        if (devices == null) {
            return;
        }
        for (Element disk : children(devices, "disk")) {
            boolean fileDisk = "file".equals(disk.getAttribute("type")) && "disk".equals(
                    disk.getAttribute("device").isEmpty() ? "disk" : disk.getAttribute("device"));
            boolean readonly = XmlDom.child(disk, "readonly") != null || XmlDom.child(disk, "shareable") != null;
            Element target = XmlDom.child(disk, "target");
            String dev = target == null ? null : target.getAttribute("dev");
            if (fileDisk && !readonly && dev != null && !disks.containsKey(dev)) {
                throw new DomainXmlException.NotClonable(origin, dev);
            }
        }
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            if (nodes.item(i) instanceof Element e && name.equals(e.getLocalName())) {
                out.add(e);
            }
        }
        return out;
    }

    private static void remove(Element e) {
        if (e != null) {
            XmlDom.removeWithIndent(e);
        }
    }

    private static String text(Element e) {
        return e == null ? null : e.getTextContent().strip();
    }
}
