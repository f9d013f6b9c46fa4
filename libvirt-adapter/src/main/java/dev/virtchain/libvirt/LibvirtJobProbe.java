package dev.virtchain.libvirt;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.libvirt.Domain;
import org.libvirt.jna.virDomainBlockJobInfo;

/** {@link JobProbe} on the real libvirtd, through the session. */
final class LibvirtJobProbe implements JobProbe {
    private static final String NOT_READY = "VIR_ERR_BLOCK_COPY_ACTIVE";
    private final LibvirtSession session;

    LibvirtJobProbe(LibvirtSession session) {
        this.session = session;
    }

    @Override
    public Optional<JobInfo> jobInfo(String domain, String disk) {
        return session.onDomain(domain, "read the block job", Involved.domain(domain).disk(disk), dom -> {
            if (dom.isActive() != 1) {
                return Optional.empty(); // a stopped domain runs no jobs; asking would be an error
            }
            virDomainBlockJobInfo info = NativeLibvirt.blockJobInfo(dom, disk);
            return info == null ? Optional.empty()
                    : Optional.of(new JobInfo(info.type, info.cur, info.end, info.bandwidth.longValue()));
        });
    }

    @Override
    public boolean mirrorReady(String domain, String disk) {
        String xml = session.onDomain(domain, "read the live XML", Involved.domain(domain).disk(disk),
                dom -> dom.getXMLDesc(0));
        return MirrorXml.ready(xml, disk);
    }

    @Override
    public Optional<List<Path>> liveChain(String domain, String disk) {
        String xml = session.onDomain(domain, "read the live XML", Involved.domain(domain).disk(disk),
                dom -> dom.isActive() == 1 ? dom.getXMLDesc(0) : null);
        return xml == null ? Optional.empty() : LiveXml.chain(xml, domain, disk);
    }

    @Override
    public void pivot(String domain, String disk) {
        Involved where = Involved.domain(domain).disk(disk);
        try {
            session.onDomain(domain, "pivot the block job", where, dom -> {
                dom.blockJobAbort(disk, Domain.BlockJobAbortFlags.PIVOT);
                return null;
            });
        } catch (LibvirtCallException e) {
            if (e.libvirtCode().filter(NOT_READY::equals).isPresent()) {
                // "block copy still active: block job '…' not ready for pivot yet"
                throw new PivotRefusedException("libvirt refused the pivot: the job is not ready yet", where, e.getCause());
            }
            throw e;
        }
    }

    @Override
    public void abort(String domain, String disk) {
        // Without VIR_DOMAIN_BLOCK_JOB_ABORT_ASYNC libvirt returns once QEMU dropped the job.
        session.onDomain(domain, "abort the block job", Involved.domain(domain).disk(disk), dom -> {
            dom.blockJobAbort(disk, 0);
            return null;
        });
    }

    @Override
    public void setSpeed(String domain, String disk, long bandwidthMiB) {
        session.onDomain(domain, "set the block job's speed to " + bandwidthMiB + " MiB/s",
                Involved.domain(domain).disk(disk), dom -> {
                    NativeLibvirt.blockJobSetSpeed(dom, disk, bandwidthMiB);
                    return null;
                });
    }
}
