package dev.virtchain.bench.live;

import dev.virtchain.daemon.ledger.LedgerCodec;
import dev.virtchain.daemon.ledger.LedgerStore;
import dev.virtchain.daemon.ledger.StoredLedger;
import dev.virtchain.model.Consistency;
import dev.virtchain.model.Disk;
import dev.virtchain.model.DomainId;
import dev.virtchain.model.Image;
import dev.virtchain.model.ImageFormat;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.Origin;
import dev.virtchain.model.Snapshot;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * A host made up for scale: libvirt's test driver node file with {@code domains} running
 * domains of {@code disks} disks each, every disk a chain {@code base <- 1 <- … <- depth} stated
 * in full in the domain XML (as libvirt states a running domain's chain), the image files under
 * {@code images} (tiny qcow2 headers: virtchaind reads each image's header when it checks a
 * chain, as on a real host), and optionally the ledgers virtchain would keep for them.
 *
 * <p>virtchaind reaches the test driver through libvirtd ({@code test+unix:///FILE}): opened
 * in-process ({@code test:///FILE}) it refuses the keep-alive virtchaind asks for.
 */
public final class TestNode {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private final int domains;
    private final int disks;
    private final int depth;
    private final Path images;

    /** @param images where the image files go, one directory per domain */
    public TestNode(int domains, int disks, int depth, Path images) {
        this.domains = domains;
        this.disks = disks;
        this.depth = depth;
        this.images = images.toAbsolutePath();
    }

    /**
     * Writes every domain's image files: one chain per disk made by {@code qemu-img create}
     * (1 MiB, 512-byte clusters, relative backing names with their format: about 2 KiB a file),
     * copied into each domain's directory. Returns how many files it wrote.
     */
    public int writeImages() {
        Path template = images.resolve(".template");
        int written = 0;
        try {
            Files.createDirectories(template);
            for (int d = 0; d < disks; d++) {
                for (int level = 0; level <= depth; level++) {
                    Path file = template.resolve(fileName(d, level));
                    List<String> argv = new ArrayList<>(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-o",
                            "cluster_size=512"));
                    if (level > 0) {
                        argv.addAll(List.of("-F", "qcow2", "-b", fileName(d, level - 1)));
                    }
                    argv.addAll(List.of(file.toString(), "1M"));
                    Command.run(argv);
                }
            }
            for (int i = 1; i <= domains; i++) {
                Path dir = Files.createDirectories(images.resolve(name(i)));
                for (int d = 0; d < disks; d++) {
                    for (int level = 0; level <= depth; level++) {
                        Files.copy(template.resolve(fileName(d, level)), dir.resolve(fileName(d, level)));
                        written++;
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the images of the test node under " + images, e);
        }
        return written;
    }

    /** The libvirt URI of a node file. */
    public static String uri(Path nodeFile) {
        return "test+unix://" + nodeFile.toAbsolutePath();
    }

    String name(int i) {
        return String.format(Locale.ROOT, "scale-%04d", i);
    }

    String uuid(int i) {
        return String.format(Locale.ROOT, "5ca1ab1e-0000-4000-8000-%012d", i);
    }

    String target(int d) {
        return "vd" + (char) ('a' + d);
    }

    /** Image {@code level} (0 = base) of disk {@code d} of domain {@code i}. */
    String image(int i, int d, int level) {
        return images.resolve(name(i)).resolve(fileName(d, level)).toString();
    }

    private String fileName(int d, int level) {
        return target(d) + (level == 0 ? "" : "." + level) + ".qcow2";
    }

    /** Writes the node file. */
    public void writeNode(Path file) {
        try (OutputStream out = Files.newOutputStream(file)) {
            XMLStreamWriter x = XMLOutputFactory.newInstance().createXMLStreamWriter(out, "UTF-8");
            x.writeStartDocument("UTF-8", "1.0");
            x.writeStartElement("node");
            for (int i = 1; i <= domains; i++) {
                x.writeStartElement("domain");
                x.writeAttribute("type", "test");
                text(x, "name", name(i));
                text(x, "uuid", uuid(i));
                text(x, "memory", "65536");
                x.writeStartElement("os");
                text(x, "type", "hvm");
                x.writeEndElement();
                x.writeStartElement("devices");
                for (int d = 0; d < disks; d++) {
                    x.writeStartElement("disk");
                    x.writeAttribute("type", "file");
                    x.writeAttribute("device", "disk");
                    empty(x, "driver", "name", "qemu", "type", "qcow2");
                    empty(x, "source", "file", image(i, d, depth));
                    for (int level = depth - 1; level >= 0; level--) {
                        x.writeStartElement("backingStore");
                        x.writeAttribute("type", "file");
                        empty(x, "format", "type", "qcow2");
                        empty(x, "source", "file", image(i, d, level));
                    }
                    x.writeEmptyElement("backingStore");
                    for (int level = depth - 1; level >= 0; level--) {
                        x.writeEndElement();
                    }
                    empty(x, "target", "dev", target(d), "bus", "virtio");
                    x.writeEndElement();
                }
                x.writeEndElement();
                x.writeEndElement();
            }
            x.writeEndElement();
            x.writeEndDocument();
            x.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        } catch (XMLStreamException e) {
            throw new IllegalStateException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes, into {@code stateDir}, the ledgers virtchaind would have for the node's domains:
     * snapshots s1..s{depth}, snapshot sk held by image k-1 of every disk.
     */
    public void writeLedgers(Path stateDir) {
        LedgerStore store = new LedgerStore(stateDir, Clock.systemUTC());
        LedgerCodec codec = new LedgerCodec();
        for (int i = 1; i <= domains; i++) {
            List<Disk> ds = new ArrayList<>();
            for (int d = 0; d < disks; d++) {
                List<Image> images = new ArrayList<>();
                images.add(Image.base(image(i, d, 0), ImageFormat.QCOW2));
                for (int level = 1; level <= depth; level++) {
                    images.add(Image.overlay(image(i, d, level), image(i, d, level - 1)));
                }
                ds.add(new Disk(target(d), images, image(i, d, depth)));
            }
            List<Snapshot> snaps = new ArrayList<>();
            for (int k = 1; k <= depth; k++) {
                Map<String, String> holders = new TreeMap<>();
                for (int d = 0; d < disks; d++) {
                    holders.put(target(d), image(i, d, k - 1));
                }
                snaps.add(Snapshot.of("s" + k, T0.plusSeconds(3600L * k), k == 1 ? null : "s" + (k - 1), holders,
                        Consistency.CRASH, Origin.policy("hourly"), null));
            }
            Ledger ledger = new Ledger(Ledger.SCHEMA_VERSION, new DomainId(name(i), uuid(i)), ds, snaps, List.of(),
                    "s" + depth, depth + 1);
            ledger.requireValid();
            StoredLedger stored = StoredLedger.idle(ledger).atVersion(1); // as its first save writes it
            try {
                Files.write(store.fileOf(stored.uuid()), codec.write(stored));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the ledger of " + name(i), e);
            }
        }
    }

    private static void text(XMLStreamWriter x, String tag, String text) throws XMLStreamException {
        x.writeStartElement(tag);
        x.writeCharacters(text);
        x.writeEndElement();
    }

    private static void empty(XMLStreamWriter x, String tag, String... attributes) throws XMLStreamException {
        x.writeEmptyElement(tag);
        for (int a = 0; a < attributes.length; a += 2) {
            x.writeAttribute(attributes[a], attributes[a + 1]);
        }
    }
}
