package dev.virtchain.libvirt;

import dev.virtchain.libvirt.xml.ChainInXml;
import dev.virtchain.libvirt.xml.Disk;
import dev.virtchain.libvirt.xml.DomainXmlException;
import dev.virtchain.libvirt.xml.DomainXmlReader;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A disk's chain from a running domain's live XML: what QEMU has open, the only chain a block job
 * is judged by. The live XML always states the whole chain; anything less means the XML came from
 * a stopped domain and must not be mistaken for the truth.
 */
final class LiveXml {
    private LiveXml() {}

    /** The chain, active image first; empty when the disk is not (or no longer) a file disk of the domain. */
    static Optional<List<Path>> chain(String liveXml, String domain, String disk) {
        Optional<Disk> d = DomainXmlReader.read(liveXml).disk(disk);
        if (d.isEmpty() || d.get().source() == null) {
            return Optional.empty();
        }
        if (d.get().chainInXml() != ChainInXml.COMPLETE) {
            throw DomainXmlException.unreadable(domain, "disk " + disk + " states no complete chain ("
                    + d.get().chainInXml() + "), so it is not the live XML of a running domain; read the domain"
                    + " again, and if it is running report libvirt's XML");
        }
        return Optional.of(d.get().chainFiles());
    }

    /** The chain, or a refusal naming domain and disk when the disk has none. */
    static List<Path> requireChain(String liveXml, String domain, String disk) {
        return chain(liveXml, domain, disk).orElseThrow(() -> new BlockJobRefused(
                "domain " + domain + " has no file-backed disk " + disk + " in its live XML; no block job was started",
                Involved.domain(domain).disk(disk)));
    }
}
