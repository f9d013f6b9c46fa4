package dev.virtchain.libvirt;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

/**
 * Stand-in for the domain-XML reader of {@code dev.virtchain.libvirt.xml} until that package is
 * merged; it reads only what the live half needs and goes away then.
 */
final class InterimDomainXml {
    /** A disk as the XML shows it; {@code source} and {@code chain} are empty for non-file disks. */
    record DiskFacts(String target, String type, String device, String format, Path source, List<Path> chain) {}

    private InterimDomainXml() {}

    static List<DiskFacts> disks(String xml) {
        List<DiskFacts> out = new ArrayList<>();
        NodeList disks = parse(xml).getElementsByTagName("disk");
        for (int i = 0; i < disks.getLength(); i++) {
            Element disk = (Element) disks.item(i);
            if (!(disk.getParentNode() instanceof Element p && p.getTagName().equals("devices"))) {
                continue;
            }
            Element target = child(disk, "target");
            Element driver = child(disk, "driver");
            List<Path> chain = new ArrayList<>();
            for (Element level = disk; level != null; level = child(level, "backingStore")) {
                Element source = child(level, "source");
                if (source == null || !source.hasAttribute("file")) {
                    break;
                }
                chain.add(Path.of(source.getAttribute("file")));
            }
            out.add(new DiskFacts(target == null ? null : target.getAttribute("dev"), disk.getAttribute("type"),
                    disk.getAttribute("device"), driver == null || !driver.hasAttribute("type") ? null : driver.getAttribute("type"),
                    chain.isEmpty() ? null : chain.get(0), List.copyOf(chain)));
        }
        return out;
    }

    static Optional<DiskFacts> disk(String xml, String target) {
        return disks(xml).stream().filter(d -> target.equals(d.target())).findFirst();
    }

    private static Document parse(String xml) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            return f.newDocumentBuilder().parse(new InputSource(new StringReader(xml)));
        } catch (ParserConfigurationException | SAXException | IOException e) {
            throw new IllegalStateException("cannot parse domain XML: " + e.getMessage(), e);
        }
    }

    private static Element child(Element parent, String tag) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(tag)) {
                return e;
            }
        }
        return null;
    }
}
