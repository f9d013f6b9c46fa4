package dev.virtchain.libvirt;

import java.nio.file.Path;
import java.util.List;

/** A disk's chain from live domain XML, or an error naming the domain and disk. */
final class DiskChains {
    private DiskChains() {}

    static List<Path> chain(String liveXml, String domain, String disk) {
        return InterimDomainXml.disk(liveXml, disk)
                .map(InterimDomainXml.DiskFacts::chain)
                .filter(c -> !c.isEmpty())
                .orElseThrow(() -> new LibvirtCallException("the domain XML shows no file-backed disk " + disk,
                        Involved.domain(domain).disk(disk), null));
    }
}
