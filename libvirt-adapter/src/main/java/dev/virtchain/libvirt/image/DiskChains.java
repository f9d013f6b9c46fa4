package dev.virtchain.libvirt.image;

import dev.virtchain.libvirt.xml.BackingImage;
import dev.virtchain.libvirt.xml.ChainInXml;
import dev.virtchain.libvirt.xml.Disk;
import dev.virtchain.libvirt.xml.DomainDescription;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Reads a disk's backing chain from the best source there is. The live XML of a running domain
 * states the whole chain (closed by an empty {@code <backingStore/>}) and is what QEMU has open:
 * it is used as is. An inactive definition usually states no chain, or a copy libvirt stored at
 * the last snapshot that offline changes may have made stale: then the image headers are the
 * truth, read with {@code qemu-img info --backing-chain}. The result says which source it came
 * from, so a caller that must not touch files (or must) can tell.
 */
public final class DiskChains {
    private final QemuImg qemuImg;

    public DiskChains(QemuImg qemuImg) {
        this.qemuImg = Objects.requireNonNull(qemuImg, "qemuImg");
    }

    /** The chain of {@code disk}, a disk of {@code domain}. */
    public DiskChain read(DomainDescription domain, Disk disk) {
        if (disk.source() == null) {
            throw new IllegalArgumentException("disk " + disk.target() + " of domain " + domain.name()
                    + " has no image (an empty drive), so it has no chain");
        }
        if (disk.chainInXml() == ChainInXml.COMPLETE) {
            List<DiskChain.Link> links = new ArrayList<>();
            links.add(new DiskChain.Link(disk.source(), disk.format()));
            for (BackingImage b : disk.backing()) {
                links.add(new DiskChain.Link(b.file(), b.format()));
            }
            return new DiskChain(domain.name(), disk.target(), links, DiskChain.Source.DOMAIN_XML);
        }
        List<DiskChain.Link> links = new ArrayList<>();
        for (ImageInfo info : qemuImg.info(disk.source(), disk.format())) {
            links.add(new DiskChain.Link(info.filename(), info.format()));
        }
        return new DiskChain(domain.name(), disk.target(), links, DiskChain.Source.IMAGE_HEADERS);
    }
}
