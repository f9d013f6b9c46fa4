package dev.virtchain.libvirt.image;

import dev.virtchain.libvirt.xml.BackingImage;
import dev.virtchain.libvirt.xml.ChainInXml;
import dev.virtchain.libvirt.xml.Disk;
import dev.virtchain.libvirt.xml.DomainDescription;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Reads a disk's backing chain and checks every link of it before anything acts on it. The live
 * XML of a running domain states the whole chain (closed by an empty {@code <backingStore/>}) and
 * is what QEMU has open; an inactive definition usually states no chain, or a copy libvirt stored
 * at the last snapshot: then the chain is walked through the image headers, one image at a time,
 * with virtchain's own header reader ({@link ImageHeader}), never {@code qemu-img --backing-chain}.
 *
 * <p>Every chain, wherever it was read from, must pass {@link #verify}: libvirt itself fills the
 * XML chain by probing when an overlay does not record its backing format, so a guest that wrote
 * a qcow2 header into a raw disk under such an overlay can make the XML name a host file. The
 * rules:
 * <ul>
 *   <li>each image resolves inside the image roots to a regular file (or an allowed device);</li>
 *   <li>a raw image is the bottom of its chain, and its bytes are never parsed;</li>
 *   <li>a qcow2 image uses no external data file, and its header's backing name (no protocol
 *       prefix) leads to the next link, with the next link's format recorded beside it;</li>
 *   <li>the bottom qcow2 image names no backing file;</li>
 *   <li>no image appears twice, and a chain has at most {@link #MAX_DEPTH} images.</li>
 * </ul>
 * A failure is an {@link ImageRefused} naming the domain, disk, image and offending backing name.
 */
public final class DiskChains {
    /** Longer chains are refused: QEMU's own limit on a backing chain is 1000 images. */
    public static final int MAX_DEPTH = 1000;

    private DiskChains() {}

    /** The chain of {@code disk}, a disk of {@code domain}, checked against {@code roots}. */
    public static DiskChain read(DomainDescription domain, Disk disk, ImageRoots roots) {
        Objects.requireNonNull(roots, "roots");
        if (disk.source() == null) {
            throw new IllegalArgumentException("disk " + disk.target() + " of domain " + domain.name()
                    + " has no image (an empty drive), so it has no chain");
        }
        List<DiskChain.Link> links;
        DiskChain.Source source;
        if (disk.chainInXml() == ChainInXml.COMPLETE) {
            links = stated(disk);
            source = DiskChain.Source.DOMAIN_XML;
        } else {
            links = walk(domain.name(), disk.target(), stated(disk).get(0), roots);
            source = DiskChain.Source.IMAGE_HEADERS;
        }
        verify(domain.name(), disk.target(), links, roots);
        return new DiskChain(domain.name(), disk.target(), links, source);
    }

    /** The disk's image and the backing images its XML states, with their formats (raw when it names none). */
    private static List<DiskChain.Link> stated(Disk disk) {
        List<DiskChain.Link> links = new ArrayList<>();
        links.add(new DiskChain.Link(disk.source(), disk.format() == null ? "raw" : disk.format()));
        for (BackingImage b : disk.backing()) {
            links.add(new DiskChain.Link(b.file(), b.format()));
        }
        return links;
    }

    /**
     * As {@link #read(DomainDescription, Disk, ImageRoots)}, except when the domain XML states the
     * whole chain and it is {@code checked}, a chain whose headers were read and checked before
     * (the ledger's: each chain is checked before it is recorded, and libvirt and QEMU keep it
     * since). Then every image is confined as ever, but no header is read: a start on a large host
     * would otherwise read tens of thousands of them to learn nothing new. Any difference, a
     * single image or format, and the chain is read in full.
     */
    public static DiskChain read(DomainDescription domain, Disk disk, ImageRoots roots, List<DiskChain.Link> checked) {
        if (disk.source() == null || disk.chainInXml() != ChainInXml.COMPLETE || !stated(disk).equals(checked)) {
            return read(domain, disk, roots);
        }
        List<DiskChain.Link> links = checked;
        Set<Path> seen = new HashSet<>();
        for (int i = 0; i < links.size(); i++) {
            DiskChain.Link link = links.get(i);
            Path real;
            try {
                real = roots.confine(link.file());
            } catch (ImageRefused e) {
                throw e.in(domain.name(), disk.target());
            }
            boolean last = i == links.size() - 1;
            if (!seen.add(real) || !(link.format().equals("qcow2") || last && link.format().equals("raw"))) {
                return read(domain, disk, roots); // says what is wrong
            }
        }
        return new DiskChain(domain.name(), disk.target(), links, DiskChain.Source.DOMAIN_XML);
    }

    /**
     * Follows the headers from {@code top} down, one image at a time, each with the format the
     * link above recorded for it. Each image is confined before its header is opened.
     */
    static List<DiskChain.Link> walk(String domain, String disk, DiskChain.Link top, ImageRoots roots) {
        List<DiskChain.Link> links = new ArrayList<>();
        Set<Path> seen = new HashSet<>();
        DiskChain.Link at = top;
        while (at != null) {
            if (links.size() >= MAX_DEPTH) {
                throw new ImageRefused(at.file(), null, "the chain is longer than " + MAX_DEPTH + " images")
                        .in(domain, disk);
            }
            Path real;
            try {
                real = roots.confine(at.file());
            } catch (ImageRefused e) {
                throw links.isEmpty() ? e.in(domain, disk) : refusedBacking(links.get(links.size() - 1), e, domain, disk);
            }
            if (!seen.add(real)) {
                throw new ImageRefused(at.file(), null, "it appears twice in the chain (a loop)").in(domain, disk);
            }
            links.add(at);
            if (at.format().equals("raw")) {
                break;
            }
            ImageHeader h = header(domain, disk, at, roots);
            if (!h.hasBacking()) {
                break;
            }
            String next = h.backingFormat();
            if (next == null) {
                throw missingFormat(domain, disk, at, h);
            }
            at = new DiskChain.Link(backing(domain, disk, at, h), next);
        }
        return links;
    }

    /**
     * Checks a chain read from anywhere (the XML, the headers, the ledger) against the rules above.
     *
     * @throws ImageRefused for the first link that breaks one
     */
    public static void verify(String domain, String disk, List<DiskChain.Link> links, ImageRoots roots) {
        if (links.size() > MAX_DEPTH) {
            throw new ImageRefused(links.get(0).file(), null, "the chain is longer than " + MAX_DEPTH + " images")
                    .in(domain, disk);
        }
        Set<Path> seen = new HashSet<>();
        for (int i = 0; i < links.size(); i++) {
            DiskChain.Link link = links.get(i);
            DiskChain.Link below = i + 1 < links.size() ? links.get(i + 1) : null;
            Path real;
            try {
                real = roots.confine(link.file());
            } catch (ImageRefused e) {
                throw e.in(domain, disk);
            }
            if (!seen.add(real)) {
                throw new ImageRefused(link.file(), null, "it appears twice in the chain (a loop)").in(domain, disk);
            }
            if (link.format().equals("raw")) {
                if (below != null) {
                    throw new ImageRefused(link.file(), null, "it is raw, yet the chain continues below it with "
                            + below.file()).in(domain, disk);
                }
                continue;
            }
            if (!link.format().equals("qcow2")) {
                throw new ImageRefused(link.file(), null, "its format is " + link.format()
                        + "; virtchain manages qcow2 and raw images only").in(domain, disk);
            }
            ImageHeader h = header(domain, disk, link, roots);
            if (below == null) {
                if (h.hasBacking()) {
                    throw new ImageRefused(link.file(), h.backingName(), "the chain ends here, yet its header names"
                            + " a backing file").in(domain, disk);
                }
                continue;
            }
            if (!h.hasBacking()) {
                throw new ImageRefused(link.file(), null, "its header names no backing file, yet the chain continues"
                        + " with " + below.file()).in(domain, disk);
            }
            if (h.backingFormat() == null) {
                throw missingFormat(domain, disk, link, h);
            }
            if (!h.backingFormat().equals(below.format())) {
                throw new ImageRefused(link.file(), h.backingName(), "its header records the backing format "
                        + h.backingFormat() + " but the domain says " + below.file() + " is " + below.format())
                        .in(domain, disk);
            }
            Path named = backing(domain, disk, link, h);
            Path namedReal;
            try {
                namedReal = roots.confine(named);
            } catch (ImageRefused e) {
                throw new ImageRefused(link.file(), h.backingName(), "its backing file " + named + " is refused: "
                        + e.reason()).in(domain, disk);
            }
            Path belowReal;
            try {
                belowReal = roots.confine(below.file());
            } catch (ImageRefused e) {
                throw e.in(domain, disk);
            }
            if (!namedReal.equals(belowReal)) {
                throw new ImageRefused(link.file(), h.backingName(), "its header leads to " + namedReal
                        + " but the domain's chain continues with " + below.file()).in(domain, disk);
            }
        }
    }

    private static ImageHeader header(String domain, String disk, DiskChain.Link link, ImageRoots roots) {
        try {
            ImageHeader h = ImageHeader.read(roots.confine(link.file()), link.format());
            if (h.externalDataFile() || h.dataFile() != null) {
                throw new ImageRefused(link.file(), null, "it keeps its data in an external data file"
                        + (h.dataFile() == null ? "" : " '" + ImageRefused.printable(h.dataFile()) + "'")
                        + ", which virtchain does not follow");
            }
            return h;
        } catch (ImageRefused e) {
            throw e.domain() == null ? e.in(domain, disk) : e;
        }
    }

    private static Path backing(String domain, String disk, DiskChain.Link link, ImageHeader h) {
        try {
            return ImageRoots.backingPath(link.file(), h.backingName());
        } catch (ImageRefused e) {
            throw e.in(domain, disk);
        } catch (java.nio.file.InvalidPathException e) {
            throw new ImageRefused(link.file(), h.backingName(), "its backing name is not a valid path").in(domain, disk);
        }
    }

    /** A backing file refused: the message names the image whose header named it, and the name. */
    private static ImageRefused refusedBacking(DiskChain.Link above, ImageRefused e, String domain, String disk) {
        String name = ImageHeader.read(above.file(), above.format()).backingName();
        return new ImageRefused(above.file(), name, "its backing file " + e.image() + " is refused: " + e.reason())
                .in(domain, disk);
    }

    private static ImageRefused missingFormat(String domain, String disk, DiskChain.Link link, ImageHeader h) {
        return new ImageRefused(link.file(), h.backingName(), "its header does not record the backing file's format,"
                + " and virtchain never guesses one (a guest controls a raw image's bytes); record it with"
                + " 'qemu-img rebase -u -f qcow2 -F FORMAT -b " + ImageRefused.printable(h.backingName()) + " "
                + link.file() + "' while the domain is shut off").in(domain, disk);
    }
}
