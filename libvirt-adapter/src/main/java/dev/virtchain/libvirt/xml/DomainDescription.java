package dev.virtchain.libvirt.xml;

import java.util.List;
import java.util.Optional;

/**
 * What virtchain reads from a domain's XML: identity, disks, and whether it has a guest agent
 * channel. Everything else in the XML is left to libvirt; a change to a definition goes through
 * {@link DiskSourceRewrite}, which keeps it.
 *
 * @param name        the domain's name
 * @param uuid        its UUID
 * @param type        the hypervisor type ({@code kvm}, {@code qemu})
 * @param disks       file-backed disks, in XML order
 * @param unsupported disks with other sources, in XML order
 * @param guestAgentChannel whether it has the channel to qemu-guest-agent
 *                    ({@code org.qemu.guest_agent.0}); without it libvirt cannot quiesce
 * @param live        whether the XML is a running domain's live XML: libvirt gives it the domain's
 *                    {@code id}. A persistent definition read with {@code INACTIVE} says false even
 *                    while the domain runs; the XML {@code LibvirtHost.domainXml} returns says
 *                    whether the domain ran when it was read, with no second call to ask
 */
public record DomainDescription(String name, String uuid, String type, List<Disk> disks,
                                List<UnsupportedDisk> unsupported, boolean guestAgentChannel, boolean live) {

    public DomainDescription {
        disks = List.copyOf(disks);
        unsupported = List.copyOf(unsupported);
    }

    /** The file-backed disk with that target. */
    public Optional<Disk> disk(String target) {
        return disks.stream().filter(d -> d.target().equals(target)).findFirst();
    }

    /** The file-backed disk with that target, or an error naming the domain and disk. */
    public Disk requireDisk(String target) {
        Optional<Disk> disk = disk(target);
        if (disk.isPresent()) {
            return disk.get();
        }
        for (UnsupportedDisk u : unsupported) {
            if (u.target().equals(target)) {
                throw new DomainXmlException.NotAFileDisk(name, target, u.sourceType());
            }
        }
        throw new DomainXmlException.NoSuchDisk(name, target);
    }
}
