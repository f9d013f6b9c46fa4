package dev.virtchain.libvirt;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import dev.virtchain.libvirt.image.QemuImg;
import dev.virtchain.libvirt.xml.Disk;
import dev.virtchain.libvirt.xml.DomainDescription;
import dev.virtchain.libvirt.xml.DomainXmlReader;
import dev.virtchain.libvirt.xml.UnsupportedDisk;
import java.util.Optional;
import org.libvirt.Domain;
import org.libvirt.Error.ErrorNumber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes external disk-only snapshots: prepare (read the definition, check every disk and name,
 * change nothing), apply (create each overlay with a relative backing name, recording it, then
 * one atomic {@code snapshotCreateXML}), rollback (remove exactly the overlays this attempt
 * created, keeping the first error).
 *
 * <p>Flags: DISK_ONLY | NO_METADATA (virtchain's ledger, not libvirt, keeps snapshots) | REUSE_EXT
 * (our overlays, with relative backing names, instead of ones libvirt would create with absolute
 * names) | ATOMIC (all disks or none). The same call works on a shut-off domain: libvirt then only
 * switches the disk sources in the persistent definition (measured on libvirt 9.0).
 */
final class SnapshotTaker {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotTaker.class);
    private static final int BASE_FLAGS = Domain.SnapshotCreateFlags.DISK_ONLY | Domain.SnapshotCreateFlags.NO_METADATA
            | Domain.SnapshotCreateFlags.REUSE_EXT | Domain.SnapshotCreateFlags.ATOMIC;
    /** Errors that mean "no usable guest agent": libvirt checks it before touching any disk. */
    private static final Set<ErrorNumber> NO_AGENT = EnumSet.of(ErrorNumber.VIR_ERR_ARGUMENT_UNSUPPORTED,
            ErrorNumber.VIR_ERR_AGENT_UNRESPONSIVE, ErrorNumber.VIR_ERR_AGENT_UNSYNCED);

    private final LibvirtSession session;
    private final QemuImg qemuImg;
    private final LateFreezeThaw lateFreeze;

    SnapshotTaker(LibvirtSession session, QemuImg qemuImg, LateFreezeThaw lateFreeze) {
        this.session = session;
        this.qemuImg = qemuImg;
        this.lateFreeze = lateFreeze;
    }

    /** One disk's part of the snapshot: the image that freezes and the overlay on top of it. */
    private record DiskPlan(String disk, Path holder, String holderFormat, Path overlay, boolean precreated) {}

    private record Plan(boolean running, boolean agentChannel, List<String> allTargets, List<DiskPlan> disks) {}

    SnapshotResult take(SnapshotRequest request) {
        Plan plan = prepare(request);
        List<Path> created = new ArrayList<>();
        try {
            for (DiskPlan d : plan.disks()) {
                if (!d.precreated()) {
                    qemuImg.createOverlay(d.overlay(), d.holder(), d.holderFormat());
                    created.add(d.overlay());
                }
            }
            Map<String, Path> overlays = new LinkedHashMap<>();
            plan.disks().forEach(d -> overlays.put(d.disk(), d.overlay()));
            String xml = LibvirtXml.snapshot(plan.allTargets(), overlays);
            Taken taken = create(request, plan.running(), plan.agentChannel(), xml);
            Map<String, Path> holders = new LinkedHashMap<>();
            plan.disks().forEach(d -> holders.put(d.disk(), d.holder()));
            return new SnapshotResult(request.domain(), holders, overlays, taken.consistency(), taken.note());
        } catch (RuntimeException e) {
            SnapshotException failure = e instanceof SnapshotException se ? se
                    : new SnapshotException("cannot snapshot " + request.overlays().keySet() + ": " + e.getMessage(),
                            involved(request, e), e);
            for (Path overlay : created) {
                try {
                    Files.deleteIfExists(overlay);
                } catch (IOException cleanup) {
                    IOException named = new IOException("could not remove the overlay " + overlay
                            + " this snapshot attempt created; delete it by hand", cleanup);
                    failure.addSuppressed(named);
                }
            }
            throw failure;
        }
    }

    private Plan prepare(SnapshotRequest request) {
        String domain = request.domain();
        record Definition(boolean running, String xml) {}
        Definition def = session.onDomain(domain, "read the definition", Involved.domain(domain),
                dom -> {
                    boolean running = dom.isActive() == 1;
                    return new Definition(running, dom.getXMLDesc(0));
                });
        DomainDescription description = DomainXmlReader.read(def.xml());
        List<String> allTargets = new ArrayList<>();
        description.disks().forEach(d -> allTargets.add(d.target()));
        description.unsupported().forEach(u -> allTargets.add(u.target()));
        List<DiskPlan> plans = new ArrayList<>();
        for (Map.Entry<String, String> e : request.overlays().entrySet()) {
            Involved where = Involved.domain(domain).disk(e.getKey());
            Optional<UnsupportedDisk> unsupported = description.unsupported().stream()
                    .filter(u -> u.target().equals(e.getKey())).findFirst();
            if (unsupported.isPresent()) {
                throw new SnapshotException(unsupported.get().message(), where, null);
            }
            Disk disk = description.disk(e.getKey()).orElseThrow(() -> new SnapshotException(
                    "the domain has no disk " + e.getKey() + "; it has " + allTargets, where, null));
            if (!disk.snapshottable()) {
                throw new SnapshotException("disk " + e.getKey() + " cannot be snapshotted: it is a " + disk.device()
                        + (disk.source() == null ? " without an image" : "") + (disk.readonly() ? ", read-only" : "")
                        + (disk.shareable() ? ", shareable" : ""), where, null);
            }
            if (disk.format() == null) {
                throw new SnapshotException("the disk's driver names no format; virtchain will not let qemu-img probe it"
                        + " (a probed raw image is a security hole)", where.file(disk.source()), null);
            }
            Path overlay = disk.source().getParent().resolve(e.getValue());
            boolean exists = Files.exists(overlay);
            if (exists && !request.precreated()) {
                throw new SnapshotException("overlay " + overlay + " already exists; overlay names are never reused",
                        where.file(overlay), null);
            }
            if (!exists && request.precreated()) {
                throw new SnapshotException("overlay " + overlay + " should have been created before the snapshot"
                        + " but does not exist", where.file(overlay), null);
            }
            if (exists) {
                requireBacking(overlay, disk.source(), where);
            }
            plans.add(new DiskPlan(e.getKey(), disk.source(), disk.format(), overlay, exists));
        }
        if (!def.running() && request.quiesce() == QuiesceMode.YES) {
            throw new SnapshotException("cannot quiesce a shut-off domain (it is consistent anyway; use quiesce AUTO or NO)",
                    Involved.domain(domain), null);
        }
        return new Plan(def.running(), description.guestAgentChannel(), allTargets, plans);
    }

    /** A pre-created overlay must sit on the image that freezes, or the snapshot would fork the disk. */
    private void requireBacking(Path overlay, Path holder, Involved where) {
        // virtchain wrote this overlay's header itself (qcow2); read the name, open nothing it names
        String name = dev.virtchain.libvirt.image.ImageHeader.read(overlay, "qcow2").backingName();
        Path backing = name == null ? null : dev.virtchain.libvirt.image.ImageRoots.backingPath(overlay, name);
        if (backing == null || !backing.equals(holder.toAbsolutePath().normalize())) {
            throw new SnapshotException("overlay " + overlay + " backs onto " + backing + ", not onto the active image "
                    + holder, where.file(overlay), null);
        }
    }

    private record Taken(Consistency consistency, String note) {}

    private Taken create(SnapshotRequest request, boolean running, boolean agentChannel, String xml) {
        String domain = request.domain();
        Involved where = Involved.domain(domain);
        if (!running) {
            snapshotCreate(domain, xml, BASE_FLAGS, where);
            return new Taken(Consistency.SHUT_OFF, null);
        }
        return switch (request.quiesce()) {
            case NO -> {
                snapshotCreate(domain, xml, BASE_FLAGS, where);
                yield new Taken(Consistency.CRASH_CONSISTENT, null);
            }
            case YES -> {
                Optional<Unavailable> unavailable = quiesced(request, agentChannel, xml, where);
                if (unavailable.isPresent()) {
                    throw new SnapshotException(unavailable.get().reason() + "; nothing was changed. Check that"
                            + " qemu-guest-agent runs in the guest, or snapshot with --quiesce auto or no",
                            where, unavailable.get().cause(), true);
                }
                yield new Taken(Consistency.QUIESCED, null);
            }
            case AUTO -> {
                Optional<Unavailable> unavailable = quiesced(request, agentChannel, xml, where);
                if (unavailable.isEmpty()) {
                    yield new Taken(Consistency.QUIESCED, null);
                }
                // libvirt checks the agent before it touches a disk, so the same overlays are reused.
                LOG.info("{}; taking a crash-consistent snapshot", unavailable.get().reason());
                snapshotCreate(domain, xml, BASE_FLAGS, where);
                yield new Taken(Consistency.CRASH_CONSISTENT, unavailable.get().reason());
            }
        };
    }

    /**
     * Tries the quiesced snapshot, with libvirt's wait for each agent answer set to the request's
     * time-out first. Empty when it was taken; otherwise why the agent could not freeze the guest,
     * in the user's words (nothing was changed then). Other failures are thrown.
     */
    /** Why the agent could not freeze the guest, in the user's words, and libvirt's error. */
    private record Unavailable(String reason, RuntimeException cause) {}

    private Optional<Unavailable> quiesced(SnapshotRequest request, boolean agentChannel, String xml, Involved where) {
        String domain = request.domain();
        if (!agentChannel) {
            // libvirt would refuse the quiesce for this (ARGUMENT_UNSUPPORTED) before touching a disk:
            // two round trips saved on every snapshot of a domain without an agent.
            return Optional.of(new Unavailable(noChannel(domain), null));
        }
        int seconds = (int) request.agentTimeout().toSeconds();
        try {
            session.onDomain(domain, "set the guest agent's time-out", where, dom -> {
                NativeLibvirt.agentSetResponseTimeout(dom, seconds);
                return null;
            });
        } catch (LibvirtCallException e) {
            LOG.warn("{}: cannot set the guest agent's time-out to {} s ({}); libvirt's own applies", domain, seconds,
                    e.getMessage());
        }
        long started = System.nanoTime();
        try {
            snapshotCreate(domain, xml, BASE_FLAGS | Domain.SnapshotCreateFlags.QUIESCE, where);
            return Optional.empty();
        } catch (LibvirtCallException e) {
            Optional<org.libvirt.Error> error = HypervisorException.libvirtError(e.getCause());
            if (error.isEmpty() || !NO_AGENT.contains(error.get().getCode())) {
                throw e;
            }
            long waited = Math.max(1, Math.round((System.nanoTime() - started) / 1e9));
            String text = String.valueOf(error.get().getMessage());
            if (error.get().getCode() == ErrorNumber.VIR_ERR_ARGUMENT_UNSUPPORTED) {
                return Optional.of(new Unavailable(noChannel(domain), e));
            }
            if (text.contains("not connected")) {
                return Optional.of(new Unavailable("guest agent of " + domain + " is not connected", e));
            }
            lateFreeze.watch(domain);
            return Optional.of(new Unavailable("guest agent of " + domain + " did not answer in " + waited + " s", e));
        }
    }

    private static String noChannel(String domain) {
        return domain + " has no guest agent channel (" + DomainXmlReader.GUEST_AGENT + ")";
    }

    private void snapshotCreate(String domain, String xml, int flags, Involved where) {
        long started = System.nanoTime();
        session.onDomain(domain, "create the external snapshot", where, dom -> dom.snapshotCreateXML(xml, flags));
        LOG.debug("libvirt created the snapshot of {} in {} ms", domain, (System.nanoTime() - started) / 1_000_000);
    }

    private static Involved involved(SnapshotRequest request, RuntimeException e) {
        return e instanceof HypervisorException he ? he.involved() : Involved.domain(request.domain());
    }
}
