package dev.virtchain.daemon.exec;

import dev.virtchain.libvirt.LibvirtHost;
import dev.virtchain.libvirt.image.DiskChains;
import dev.virtchain.libvirt.image.ImageInfo;
import dev.virtchain.libvirt.image.QemuImg;
import dev.virtchain.libvirt.xml.DomainDescription;
import dev.virtchain.libvirt.xml.DomainXmlReader;
import dev.virtchain.model.plan.DomainState;
import dev.virtchain.model.plan.Expectation;
import dev.virtchain.model.plan.ObservedChains;
import dev.virtchain.model.plan.Step;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads what is really there for one domain: the chains libvirt's domain XML shows (for a shut-off
 * domain whose definition lacks them, the image headers), and on request the backing file of
 * given images and which files are gone. Recovery and the executor decide from this, never from
 * what the ledger hopes.
 */
public final class DomainTruth {
    private final LibvirtHost host;
    private final QemuImg qemuImg;
    private final DiskChains diskChains;

    public DomainTruth(LibvirtHost host, QemuImg qemuImg) {
        this.host = host;
        this.qemuImg = qemuImg;
        this.diskChains = new DiskChains(qemuImg);
    }

    public Observation observe(String domain) {
        return observe(domain, List.of());
    }

    /** The chains, plus the backing or absence of every file the given steps' expectations name. */
    public Observation observe(String domain, Collection<Step> steps) {
        DomainDescription d = DomainXmlReader.read(host.domainXml(domain));
        DomainState state = host.isRunning(domain) ? DomainState.RUNNING : DomainState.SHUT_OFF;
        Map<String, List<String>> chains = new LinkedHashMap<>();
        for (var disk : d.disks()) {
            if (!disk.snapshottable()) {
                continue;
            }
            chains.put(disk.target(), diskChains.read(d, disk).images().stream()
                    .map(l -> l.file().toString()).toList());
        }
        Set<String> inspect = new TreeSet<>();
        for (Step s : steps) {
            Expectation e = s.expected();
            inspect.addAll(e.backings().keySet());
            inspect.addAll(e.absent());
        }
        Map<String, String> backings = new HashMap<>();
        Set<String> absent = new HashSet<>();
        for (String path : inspect) {
            Path p = Path.of(path);
            if (!Files.exists(p)) {
                absent.add(path);
                continue;
            }
            backings.put(path, backingOf(p));
        }
        return new Observation(d, new ObservedChains(chains, backings, absent), state);
    }

    /** The absolute backing path of an image, or {@link ObservedChains#NO_BACKING}. */
    public String backingOf(Path image) {
        // full-backing-filename is the backing resolved against the image's directory: overlays
        // store relative names, the ledger keeps absolute paths.
        ImageInfo top = qemuImg.info(image).get(0);
        return top.fullBackingFilename() == null ? ObservedChains.NO_BACKING
                : top.fullBackingFilename().toAbsolutePath().normalize().toString();
    }
}
