package dev.virtchain.daemon.exec;

import dev.virtchain.daemon.files.HostFiles;
import dev.virtchain.daemon.ledger.LedgerBook;
import dev.virtchain.daemon.ledger.StoredLedger;
import dev.virtchain.libvirt.image.DiskChains;
import dev.virtchain.libvirt.image.ImageHeader;
import dev.virtchain.libvirt.image.ImageRoots;
import dev.virtchain.model.Ledger;
import java.nio.file.LinkOption;
import java.util.Optional;

import dev.virtchain.libvirt.LibvirtHost;
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
    private final HostFiles files;
    private final LedgerBook book;

    public DomainTruth(LibvirtHost host, HostFiles files, LedgerBook book) {
        this.host = host;
        this.files = files;
        this.book = book;
    }

    public Observation observe(String domain) {
        return observe(domain, List.of());
    }

    /**
     * The chains, checked against the image roots ({@link DiskChains}), plus the backing or
     * absence of every file the given steps' expectations name.
     */
    public Observation observe(String domain, Collection<Step> steps) {
        // The live XML of a running domain, else its definition: whichever it is says the state
        // (no second call, which could see the domain start or stop between the two).
        DomainDescription d = DomainXmlReader.read(host.domainXml(domain));
        DomainState state = d.live() ? DomainState.RUNNING : DomainState.SHUT_OFF;
        Optional<Ledger> ledger = book.byName(domain).map(StoredLedger::ledger);
        ImageRoots roots = files.roots(d, ledger);
        Map<String, List<String>> chains = new LinkedHashMap<>();
        for (var disk : d.disks()) {
            if (!disk.snapshottable()) {
                continue;
            }
            chains.put(disk.target(), DiskChains.read(d, disk, roots).images().stream()
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
        ImageRoots outputs = roots.plus(files.outputDirectories());
        for (String path : inspect) {
            Path p = Path.of(path);
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                absent.add(path);
                continue;
            }
            String format = ledger.flatMap(l -> HostFiles.formatOf(l, path)).orElse("qcow2");
            backings.put(path, backingOf(p, format, outputs));
        }
        return new Observation(d, new ObservedChains(chains, backings, absent), state);
    }

    /**
     * The absolute backing path of an image, or {@link ObservedChains#NO_BACKING}, from its header
     * as virtchain reads it: nothing the header names is opened.
     */
    public String backingOf(Path image, String format, ImageRoots roots) {
        ImageHeader h = ImageHeader.read(roots.confine(image), format);
        // overlays store relative names, the ledger keeps absolute paths
        return h.hasBacking() ? ImageRoots.backingPath(image, h.backingName()).toString() : ObservedChains.NO_BACKING;
    }

    /** {@link #backingOf(Path, String, ImageRoots)} with the roots of {@code domain}. */
    public String backingOf(String domain, Path image, String format) {
        Optional<Ledger> ledger = book.byName(domain).map(StoredLedger::ledger);
        ImageRoots roots = files.roots(DomainXmlReader.read(host.domainXml(domain)), ledger);
        return backingOf(image, format, roots.plus(files.outputDirectories()));
    }
}
