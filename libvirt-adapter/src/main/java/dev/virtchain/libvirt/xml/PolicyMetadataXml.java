package dev.virtchain.libvirt.xml;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.dataformat.xml.XmlFactory;
import com.fasterxml.jackson.dataformat.xml.XmlMapper;
import java.util.Optional;
import javax.xml.stream.XMLInputFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * Reads and writes {@link PolicyMetadata}. Jackson binds the content; the namespace is handled
 * around it, because Jackson drops namespaces when reading (another application's
 * {@code <policy>} would bind just as well) and would invent its own prefixes when writing.
 *
 * <p>For {@code virDomainSetMetadata(ELEMENT, xml, "virtchain", NAMESPACE)} pass
 * {@link #forSetMetadata}: libvirt puts the element and all its children into the namespace
 * itself, and refuses an element that already declares the prefix. {@link #read} accepts what
 * {@code virDomainGetMetadata} returns; {@link #fromDomainXml} finds the element in a whole
 * domain XML by namespace, not by name.
 */
public final class PolicyMetadataXml {
    private static final XmlMapper XML = mapper();

    private PolicyMetadataXml() {}

    /** {@code <policy>…</policy>} without a namespace: the form libvirt's setMetadata takes. */
    public static String forSetMetadata(PolicyMetadata policy) {
        try {
            return XML.writeValueAsString(policy);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write policy " + policy + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@code <virtchain:policy xmlns:virtchain="https://virtchain.dev/xmlns/1">…} with every
     * element in the namespace: the form it takes inside a domain's {@code <metadata>}.
     */
    public static String namespaced(PolicyMetadata policy) {
        Document doc = XmlDom.parse(forSetMetadata(policy), null);
        Element root = doc.getDocumentElement();
        Node renamed = intoNamespace(doc, root);
        ((Element) renamed).setAttributeNS("http://www.w3.org/2000/xmlns/", "xmlns:" + PolicyMetadata.PREFIX,
                PolicyMetadata.NAMESPACE);
        return XmlDom.write(renamed);
    }

    /** Reads a policy element, namespaced or not (as {@code virDomainGetMetadata} returns it). */
    public static PolicyMetadata read(String element) {
        try {
            PolicyMetadata p = XML.readValue(element, PolicyMetadata.class);
            if (p == null) {
                throw new DomainXmlException.Unreadable(null, "empty virtchain policy element", null);
            }
            return p;
        } catch (ValueInstantiationException e) {
            Throwable why = e.getCause() == null ? e : e.getCause();
            throw new DomainXmlException.Unreadable(null, "invalid virtchain policy: " + why.getMessage(), e);
        } catch (JsonProcessingException e) {
            throw new DomainXmlException.Unreadable(null, "unreadable virtchain policy: " + e.getOriginalMessage(), e);
        }
    }

    /** The policy in a whole domain XML's {@code <metadata>}, if it has one. */
    public static Optional<PolicyMetadata> fromDomainXml(String domainXml) {
        Document doc = XmlDom.parse(domainXml, null);
        Element metadata = XmlDom.child(doc.getDocumentElement(), "metadata");
        if (metadata == null) {
            return Optional.empty();
        }
        for (Node n = metadata.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && PolicyMetadata.NAMESPACE.equals(e.getNamespaceURI())
                    && "policy".equals(e.getLocalName())) {
                return Optional.of(read(XmlDom.write(e)));
            }
        }
        return Optional.empty();
    }

    private static Node intoNamespace(Document doc, Node node) {
        if (node instanceof Element e) {
            Node renamed = doc.renameNode(e, PolicyMetadata.NAMESPACE, PolicyMetadata.PREFIX + ":" + e.getLocalName());
            for (Node c = renamed.getFirstChild(); c != null; c = c.getNextSibling()) {
                c = intoNamespace(doc, c);
            }
            return renamed;
        }
        return node;
    }

    private static XmlMapper mapper() {
        XMLInputFactory in = XMLInputFactory.newFactory();
        in.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        in.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        XmlMapper m = new XmlMapper(new XmlFactory(in));
        // a newer virtchain may add fields; an older one keeps working with what it knows
        m.configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
        return m;
    }
}
