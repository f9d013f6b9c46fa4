package dev.virtchain.daemon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtchain.daemon.ledger.LedgerCodec;
import dev.virtchain.daemon.ledger.StoredLedger;
import dev.virtchain.model.Disk;
import dev.virtchain.model.Image;
import dev.virtchain.model.ImageFormat;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.Snapshot;
import dev.virtchain.testing.ImageContent;
import dev.virtchain.testing.TestDomain;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Checks a domain's ledger file against what is really there, as docs/design.md §6 and §7 ask after
 * every operation and every recovery: no operation left open; each disk's active chain in the
 * ledger is the chain libvirt's domain XML shows; every image the ledger names exists, says the
 * backing the ledger says and passes {@code qemu-img check}; every file in the domain's directory
 * is an image of the ledger (no orphans); every surviving snapshot's holder still shows the
 * content recorded when the snapshot was taken.
 */
final class ChainAudit {
    private static final LedgerCodec CODEC = new LedgerCodec();

    private ChainAudit() {}

    static Path ledgerFile(Path daemonHome, TestDomain dom) {
        return DaemonProcess.stateDir(daemonHome).resolve("ledgers").resolve(uuid(dom) + ".xml");
    }

    static String uuid(TestDomain dom) {
        try {
            return dom.domain().getUUIDString();
        } catch (org.libvirt.LibvirtException e) {
            throw new IllegalStateException("cannot read the UUID of " + dom.name(), e);
        }
    }

    static byte[] ledgerBytes(Path daemonHome, TestDomain dom) {
        try {
            return Files.readAllBytes(ledgerFile(daemonHome, dom));
        } catch (IOException e) {
            throw new UncheckedIOException("no ledger file for " + dom.name(), e);
        }
    }

    static StoredLedger read(Path daemonHome, TestDomain dom) {
        return CODEC.read(ledgerBytes(daemonHome, dom), ledgerFile(daemonHome, dom).toString());
    }

    /**
     * Asserts that the ledger is the truth. {@code digests}: snapshot name to disk to the digest
     * of its point in time, recorded when it was taken; snapshots not in the map are not compared.
     */
    static void assertTruth(TestDomain dom, StoredLedger stored, Map<String, Map<String, String>> digests) {
        assertTruth(dom.name(), dom.dir(), target -> chainOf(dom, target), stored, digests);
    }

    /**
     * A disk's chain, active image first, as libvirt sees it: a running domain's live XML; for a
     * shut-off domain, the part of the chain its definition stores (libvirt starts the domain on
     * that) and, below the last image stored, what the image headers say.
     */
    static List<Path> chainOf(TestDomain dom, String target) {
        List<Path> xml = dom.chain(target);
        if (dom.isRunning()) {
            return xml;
        }
        Path last = xml.get(xml.size() - 1);
        if (!Files.exists(last)) {
            throw new AssertionError("the definition of " + dom.name() + " stores the chain " + xml + " for disk "
                    + target + ", but " + last + " does not exist: the domain cannot start");
        }
        List<Path> chain = new ArrayList<>(xml.subList(0, xml.size() - 1));
        try {
            JsonNode infos = DaemonProcess.json().readTree(DaemonProcess.run(List.of("qemu-img", "info", "-U",
                    "--backing-chain", "--output=json", last.toString())));
            for (JsonNode i : infos) {
                chain.add(last.getParent().resolve(i.path("filename").asText()).toAbsolutePath().normalize());
            }
            return chain;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * As {@link #assertTruth(TestDomain, StoredLedger, Map)}, with the chains read by {@code chainOf}
     * (disk target to chain, active image first): for a test whose harness connection died.
     */
    static void assertTruth(String name, Path dir, java.util.function.Function<String, List<Path>> chainOf,
                            StoredLedger stored, Map<String, Map<String, String>> digests) {
        Ledger l = stored.ledger();
        String where = "domain " + name + ": ";
        assertTrue(stored.operation().isEmpty(), where + "an operation is still open in the ledger: "
                + stored.operation());
        assertEquals(List.of(), l.check(), where + "ledger invariants");
        Set<String> known = new TreeSet<>();
        for (Disk d : l.disks()) {
            List<String> xmlChain = chainOf.apply(d.target()).stream().map(Path::toString).toList();
            assertEquals(xmlChain, d.activeChain(), where + "disk " + d.target()
                    + ": the ledger's active chain is not the domain XML's; the ledger's images: " + d.images());
            for (Image i : d.images()) {
                known.add(i.path());
                Path p = Path.of(i.path());
                assertTrue(Files.exists(p), where + "the ledger names " + p + ", which does not exist");
                if (i.format() == ImageFormat.QCOW2) {
                    JsonNode info = info(p);
                    String backing = info.hasNonNull("full-backing-filename")
                            ? Path.of(info.get("full-backing-filename").asText()).toAbsolutePath().normalize().toString()
                            : null;
                    assertEquals(i.backing(), backing, where + "backing file of " + p + " (qemu-img info)");
                    DaemonProcess.run(List.of("qemu-img", "check", "-U", "-q", p.toString()));
                }
            }
        }
        for (Snapshot s : l.snapshots()) {
            for (Map.Entry<String, String> h : s.holders().entrySet()) {
                assertTrue(known.contains(h.getValue()), where + "snapshot " + s.name() + " on " + h.getKey()
                        + " is held by " + h.getValue() + ", which is not an image of the ledger");
                String expected = digests.getOrDefault(s.name(), Map.of()).get(h.getKey());
                if (expected != null) {
                    assertEquals(expected, ImageContent.digest(Path.of(h.getValue())), where + "snapshot " + s.name()
                            + " on " + h.getKey() + " (held by " + h.getValue() + ") no longer shows what it was taken with");
                }
            }
        }
        List<String> orphans = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.filter(Files::isRegularFile).map(Path::toString).filter(f -> !known.contains(f)).forEach(orphans::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertEquals(List.of(), orphans, where + "files in " + dir + " that no ledger image accounts for");
    }

    /** A disk's chain from domain XML, active image first, as {@link TestDomain#chain} reads it. */
    static List<Path> chainFromXml(String xml, String target) {
        try {
            var f = javax.xml.parsers.DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            var doc = f.newDocumentBuilder().parse(new org.xml.sax.InputSource(new java.io.StringReader(xml)));
            var disks = doc.getElementsByTagName("disk");
            for (int i = 0; i < disks.getLength(); i++) {
                var disk = (org.w3c.dom.Element) disks.item(i);
                var t = child(disk, "target");
                if (t == null || !target.equals(t.getAttribute("dev"))) {
                    continue;
                }
                List<Path> chain = new ArrayList<>();
                for (var level = disk; level != null; level = child(level, "backingStore")) {
                    var source = child(level, "source");
                    if (source == null || !source.hasAttribute("file")) {
                        break;
                    }
                    chain.add(Path.of(source.getAttribute("file")));
                }
                return chain;
            }
            throw new AssertionError("no disk " + target + " in the domain XML");
        } catch (javax.xml.parsers.ParserConfigurationException | org.xml.sax.SAXException | IOException e) {
            throw new AssertionError("cannot parse domain XML", e);
        }
    }

    private static org.w3c.dom.Element child(org.w3c.dom.Element parent, String tag) {
        for (var n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof org.w3c.dom.Element e && e.getTagName().equals(tag)) {
                return e;
            }
        }
        return null;
    }

    /** What the guest sees on {@code disk} now: flushes QEMU's cache first when running. */
    static String liveDigest(TestDomain dom, String disk) {
        if (dom.isRunning()) {
            dom.flush(disk);
        }
        return ImageContent.digest(dom.activeImage(disk));
    }

    static JsonNode info(Path image) {
        try {
            return DaemonProcess.json().readTree(DaemonProcess.run(List.of("qemu-img", "info", "-U", "--output=json",
                    image.toString())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
