package dev.virtchain.daemon.ledger;

import dev.virtchain.daemon.ledger.LedgerDocument.ChainDoc;
import dev.virtchain.daemon.ledger.LedgerDocument.DiskDoc;
import dev.virtchain.daemon.ledger.LedgerDocument.ImageDoc;
import dev.virtchain.daemon.ledger.LedgerDocument.LedgerDoc;
import dev.virtchain.daemon.ledger.LedgerDocument.OperationDoc;
import dev.virtchain.daemon.ledger.LedgerDocument.PairDoc;
import dev.virtchain.daemon.ledger.LedgerDocument.SnapshotDoc;
import dev.virtchain.daemon.ledger.LedgerDocument.StepDoc;
import dev.virtchain.daemon.ledger.LedgerDocument.TombstoneDoc;
import java.io.ByteArrayInputStream;
import java.util.List;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * Reads a ledger file's XML into {@link LedgerDocument}, element by element, as Jackson would
 * bind it: every attribute and element the document does not define is refused, as are DTDs.
 * Written by hand because a start reads every domain's ledger and every save reads its file back:
 * Jackson's binding took 0.5 ms per 20-snapshot ledger and 150-300 ms to set itself up on the
 * first one, and this reads the same file several times faster. Writing stays with Jackson, so
 * each save's read-back checks the two against each other.
 */
final class LedgerXmlReader {
    private static final XMLInputFactory FACTORY = factory();

    private final XMLStreamReader x;

    private LedgerXmlReader(XMLStreamReader x) {
        this.x = x;
    }

    private static XMLInputFactory factory() {
        XMLInputFactory f = XMLInputFactory.newFactory();
        f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        f.setProperty(XMLInputFactory.IS_COALESCING, true);
        return f;
    }

    /** @throws XMLStreamException for anything that is not a ledger document, saying what and where */
    static LedgerDocument read(byte[] xml) throws XMLStreamException {
        XMLStreamReader x = FACTORY.createXMLStreamReader(new ByteArrayInputStream(xml));
        try {
            LedgerXmlReader r = new LedgerXmlReader(x);
            x.nextTag();
            r.expect("virtchain-ledger");
            LedgerDocument d = r.document();
            while (x.hasNext()) {
                int e = x.next();
                if (e != XMLStreamConstants.COMMENT && e != XMLStreamConstants.SPACE
                        && e != XMLStreamConstants.END_DOCUMENT && !(e == XMLStreamConstants.CHARACTERS && x.isWhiteSpace())) {
                    throw r.unexpected("content after the document");
                }
            }
            return d;
        } finally {
            x.close();
        }
    }

    private LedgerDocument document() throws XMLStreamException {
        LedgerDocument d = new LedgerDocument();
        for (int i = 0; i < x.getAttributeCount(); i++) {
            String v = x.getAttributeValue(i);
            switch (attribute(i)) {
                case "schema" -> d.schema = integer(v);
                default -> throw unknownAttribute(i);
            }
        }
        while (child()) {
            switch (x.getLocalName()) {
                case "ledger" -> d.ledger = once(d.ledger, ledger());
                case "operation" -> d.operation = once(d.operation, operation());
                default -> throw unknownElement();
            }
        }
        return d;
    }

    private LedgerDoc ledger() throws XMLStreamException {
        LedgerDoc d = new LedgerDoc();
        for (int i = 0; i < x.getAttributeCount(); i++) {
            String v = x.getAttributeValue(i);
            switch (attribute(i)) {
                case "domain" -> d.domain = v;
                case "uuid" -> d.uuid = v;
                case "current" -> d.current = v;
                case "next-image-seq" -> d.nextImageSeq = longValue(v);
                default -> throw unknownAttribute(i);
            }
        }
        while (child()) {
            switch (x.getLocalName()) {
                case "disks" -> list("disk", d.disks, this::disk);
                case "snapshots" -> list("snapshot", d.snapshots, this::snapshot);
                case "tombstones" -> list("tombstone", d.tombstones, this::tombstone);
                default -> throw unknownElement();
            }
        }
        return d;
    }

    private DiskDoc disk() throws XMLStreamException {
        DiskDoc d = new DiskDoc();
        for (int i = 0; i < x.getAttributeCount(); i++) {
            String v = x.getAttributeValue(i);
            switch (attribute(i)) {
                case "target" -> d.target = v;
                case "active" -> d.active = v;
                default -> throw unknownAttribute(i);
            }
        }
        while (child()) {
            if (!x.getLocalName().equals("images")) {
                throw unknownElement();
            }
            list("image", d.images, this::image);
        }
        return d;
    }

    private ImageDoc image() throws XMLStreamException {
        ImageDoc d = new ImageDoc();
        for (int i = 0; i < x.getAttributeCount(); i++) {
            String v = x.getAttributeValue(i);
            switch (attribute(i)) {
                case "path" -> d.path = v;
                case "format" -> d.format = v;
                case "backing" -> d.backing = v;
                default -> throw unknownAttribute(i);
            }
        }
        noChildren();
        return d;
    }

    private SnapshotDoc snapshot() throws XMLStreamException {
        SnapshotDoc d = new SnapshotDoc();
        for (int i = 0; i < x.getAttributeCount(); i++) {
            String v = x.getAttributeValue(i);
            switch (attribute(i)) {
                case "name" -> d.name = v;
                case "created" -> d.created = v;
                case "parent" -> d.parent = v;
                case "consistency" -> d.consistency = v;
                case "consistency-note" -> d.consistencyNote = v;
                case "origin" -> d.origin = v;
                case "policy" -> d.policy = v;
                case "description" -> d.description = v;
                default -> throw unknownAttribute(i);
            }
        }
        while (child()) {
            switch (x.getLocalName()) {
                case "holders" -> list("holder", d.holders, this::pair);
                case "holds" -> list("hold", d.holds, this::text);
                case "protected-by" -> list("clone", d.protectedBy, this::text);
                default -> throw unknownElement();
            }
        }
        return d;
    }

    private PairDoc pair() throws XMLStreamException {
        PairDoc d = new PairDoc();
        for (int i = 0; i < x.getAttributeCount(); i++) {
            String v = x.getAttributeValue(i);
            switch (attribute(i)) {
                case "disk" -> d.disk = v;
                case "path" -> d.path = v;
                default -> throw unknownAttribute(i);
            }
        }
        noChildren();
        return d;
    }

    private TombstoneDoc tombstone() throws XMLStreamException {
        TombstoneDoc d = new TombstoneDoc();
        for (int i = 0; i < x.getAttributeCount(); i++) {
            String v = x.getAttributeValue(i);
            switch (attribute(i)) {
                case "disk" -> d.disk = v;
                case "image" -> d.image = v;
                case "snapshot" -> d.snapshot = v;
                case "reason" -> d.reason = v;
                default -> throw unknownAttribute(i);
            }
        }
        noChildren();
        return d;
    }

    private OperationDoc operation() throws XMLStreamException {
        OperationDoc d = new OperationDoc();
        for (int i = 0; i < x.getAttributeCount(); i++) {
            String v = x.getAttributeValue(i);
            switch (attribute(i)) {
                case "id" -> d.id = v;
                case "kind" -> d.kind = v;
                case "started" -> d.started = v;
                case "next-step" -> d.nextStep = integer(v);
                case "step-started" -> d.stepStarted = bool(v);
                case "description" -> d.description = v;
                default -> throw unknownAttribute(i);
            }
        }
        while (child()) {
            if (!x.getLocalName().equals("steps")) {
                throw unknownElement();
            }
            list("step", d.steps, this::step);
        }
        return d;
    }

    private StepDoc step() throws XMLStreamException {
        StepDoc d = new StepDoc();
        for (int i = 0; i < x.getAttributeCount(); i++) {
            String v = x.getAttributeValue(i);
            switch (attribute(i)) {
                case "kind" -> d.kind = v;
                case "disk" -> d.disk = v;
                case "path" -> d.path = v;
                case "image" -> d.image = v;
                case "backing" -> d.backing = v;
                case "backing-format" -> d.backingFormat = v;
                case "top" -> d.top = v;
                case "base" -> d.base = v;
                case "source" -> d.source = v;
                case "dest" -> d.dest = v;
                case "snapshot" -> d.snapshot = v;
                case "quiesce" -> d.quiesce = v;
                case "active" -> d.active = bool(v);
                case "safe" -> d.safe = bool(v);
                case "format" -> d.format = v;
                case "shallow" -> d.shallow = bool(v);
                case "pivot" -> d.pivot = bool(v);
                case "bytes" -> d.bytes = longValue(v);
                case "shutdown-seconds" -> d.shutdownSeconds = integer(v);
                case "directory" -> d.directory = v;
                case "new-domain" -> d.newDomain = v;
                case "new-uuid" -> d.newUuid = v;
                default -> throw unknownAttribute(i);
            }
        }
        while (child()) {
            switch (x.getLocalName()) {
                case "chain-after" -> list("file", d.chainAfter, this::text);
                case "chains-after" -> list("chain", d.chainsAfter, this::chain);
                case "disk-files" -> list("disk-file", d.disks, this::pair);
                case "ledger" -> d.ledger = once(d.ledger, ledger());
                default -> throw unknownElement();
            }
        }
        return d;
    }

    private ChainDoc chain() throws XMLStreamException {
        ChainDoc d = new ChainDoc();
        for (int i = 0; i < x.getAttributeCount(); i++) {
            String v = x.getAttributeValue(i);
            switch (attribute(i)) {
                case "disk" -> d.disk = v;
                default -> throw unknownAttribute(i);
            }
        }
        while (child()) {
            if (!x.getLocalName().equals("file")) {
                throw unknownElement();
            }
            d.images.add(text());
        }
        return d;
    }

    // --- the reading itself -------------------------------------------------------------------

    private interface Element<T> {
        T read() throws XMLStreamException;
    }

    /** Reads a wrapper's children, each an {@code item} element; ends on the wrapper's end tag. */
    private <T> void list(String item, List<T> into, Element<T> element) throws XMLStreamException {
        noAttributes();
        while (child()) {
            if (!x.getLocalName().equals(item)) {
                throw unknownElement();
            }
            into.add(element.read());
        }
    }

    /** The text of an element without attributes or children; ends on its end tag. */
    private String text() throws XMLStreamException {
        noAttributes();
        return x.getElementText();
    }

    /** Moves to the next child element (true) or to the end tag of the current one (false). */
    private boolean child() throws XMLStreamException {
        return x.nextTag() == XMLStreamConstants.START_ELEMENT;
    }

    private void noChildren() throws XMLStreamException {
        if (child()) {
            throw unknownElement();
        }
    }

    private void noAttributes() throws XMLStreamException {
        if (x.getAttributeCount() > 0) {
            throw unknownAttribute(0);
        }
    }

    private void expect(String element) throws XMLStreamException {
        String ns = x.getNamespaceURI();
        if (!x.getLocalName().equals(element) || ns != null && !ns.isEmpty()) {
            throw unexpected("<" + x.getLocalName() + "> where <" + element + "> belongs");
        }
    }

    private String attribute(int i) throws XMLStreamException {
        String ns = x.getAttributeNamespace(i);
        if (ns != null && !ns.isEmpty()) {
            throw unknownAttribute(i);
        }
        return x.getAttributeLocalName(i);
    }

    private <T> T once(T already, T read) throws XMLStreamException {
        if (already != null) {
            throw unexpected("a second <" + x.getLocalName() + ">");
        }
        return read;
    }

    private Integer integer(String v) throws XMLStreamException {
        try {
            return Integer.valueOf(v.trim());
        } catch (NumberFormatException e) {
            throw unexpected("'" + v + "' is not a whole number");
        }
    }

    private Long longValue(String v) throws XMLStreamException {
        try {
            return Long.valueOf(v.trim());
        } catch (NumberFormatException e) {
            throw unexpected("'" + v + "' is not a whole number");
        }
    }

    private Boolean bool(String v) throws XMLStreamException {
        return switch (v.trim()) {
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            default -> throw unexpected("'" + v + "' is not true or false");
        };
    }

    private XMLStreamException unknownAttribute(int i) {
        return unexpected("unknown attribute '" + x.getAttributeLocalName(i) + "' on <" + x.getLocalName() + ">");
    }

    private XMLStreamException unknownElement() {
        return unexpected("unknown element <" + x.getLocalName() + ">");
    }

    private XMLStreamException unexpected(String what) {
        return new XMLStreamException(what + " at line " + x.getLocation().getLineNumber());
    }
}
