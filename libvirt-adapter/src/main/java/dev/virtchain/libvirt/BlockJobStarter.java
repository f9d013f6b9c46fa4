package dev.virtchain.libvirt;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;
import org.libvirt.TypedParameter;
import org.libvirt.TypedUlongParameter;

/**
 * Starts commits, pulls and copies. Each start reads the disk's live chain, checks the request
 * against it and works out the chain the job promises, registers the job's watcher (before the
 * job starts, so no event is missed) and then asks libvirt. If libvirt refuses, the watcher is
 * dropped again and nothing runs.
 */
final class BlockJobStarter {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BlockJobStarter.class);
    private static final long MIB = 1L << 20;
    private final LibvirtSession session;
    private final BlockJobRegistry registry;

    BlockJobStarter(LibvirtSession session, BlockJobRegistry registry) {
        this.session = session;
        this.registry = registry;
    }

    BlockJobWatcher commit(CommitRequest r, BlockJobObserver observer) {
        Involved where = Involved.domain(r.domain()).disk(r.disk()).file(r.top());
        List<Path> chain = liveChain(r.domain(), r.disk());
        int top = indexIn(chain, r.top(), where, "top");
        int base = indexIn(chain, r.base(), where.file(r.base()), "base");
        if (base <= top) {
            throw new BlockJobRefused("base " + r.base() + " must lie below top " + r.top()
                    + " in the chain " + chain, where);
        }
        boolean active = top == 0;
        List<Path> expected = new ArrayList<>(chain.subList(0, top));
        expected.addAll(chain.subList(base, chain.size()));
        // SHALLOW lets libvirt check that base is right under top; RELATIVE keeps the backing name
        // written into the image above top relative (an active commit has no image above).
        int flags = (base == top + 1 ? Domain.BlockCommitFlags.SHALLOW : 0)
                | (active ? Domain.BlockCommitFlags.ACTIVE : Domain.BlockCommitFlags.RELATIVE);
        BlockJob job = new BlockJob(r.domain(), r.disk(), active ? BlockJobKind.ACTIVE_COMMIT : BlockJobKind.COMMIT,
                chain, expected, null, r.bandwidthMiB());
        return start(job, observer, "commit " + r.top() + " into " + r.base(), where,
                dom -> dom.blockCommit(r.disk(), r.base().toString(), r.top().toString(), r.bandwidthMiB(), flags));
    }

    BlockJobWatcher pull(PullRequest r, BlockJobObserver observer) {
        Involved where = Involved.domain(r.domain()).disk(r.disk()).file(r.base());
        List<Path> chain = liveChain(r.domain(), r.disk());
        List<Path> expected = new ArrayList<>(List.of(chain.get(0)));
        if (r.base() != null) {
            int base = indexIn(chain, r.base(), where, "base");
            if (base == 0) {
                throw new BlockJobRefused("base " + r.base() + " is the active image; nothing to pull", where);
            }
            expected.addAll(chain.subList(base, chain.size()));
        }
        if (expected.equals(chain)) {
            throw new BlockJobRefused("pulling " + r.base() + " into " + chain.get(0)
                    + " removes nothing from " + chain, where);
        }
        String base = r.base() == null ? null : r.base().toString();
        int flags = r.base() == null ? 0 : NativeLibvirt.REBASE_RELATIVE;
        BlockJob job = new BlockJob(r.domain(), r.disk(), BlockJobKind.PULL, chain, expected, null, r.bandwidthMiB());
        return start(job, observer, r.base() == null ? "pull the whole chain" : "pull down to " + r.base(), where,
                dom -> NativeLibvirt.blockRebase(dom, r.disk(), base, r.bandwidthMiB(), flags));
    }

    BlockJobWatcher copy(CopyRequest r, BlockJobObserver observer) {
        Involved where = Involved.domain(r.domain()).disk(r.disk()).file(r.destination());
        List<Path> chain = liveChain(r.domain(), r.disk());
        if (chain.contains(r.destination())) {
            throw new BlockJobRefused("copy destination " + r.destination() + " is on the chain " + chain, where);
        }
        BlockJob job = BlockJob.copy(r.domain(), r.disk(), chain, r.destination(), r.shallow(), r.bandwidthMiB());
        String destXml = LibvirtXml.copyDestination(r.destination(), r.format());
        // libvirt-java cannot convert an empty parameter array; bandwidth 0 means unlimited anyway.
        TypedParameter[] params = {new TypedUlongParameter("bandwidth", r.bandwidthMiB() * MIB)};
        return start(job, observer, "copy to " + r.destination(), where, dom -> {
            // libvirt 9.0 refuses to copy a persistent domain's disk unless the job is transient
            // ("domain is not transient"); a pivot still updates the persistent definition.
            int flags = (r.shallow() ? Domain.BlockCopyFlags.SHALLOW : 0)
                    | (r.reuseExisting() ? Domain.BlockCopyFlags.REUSE_EXT : 0)
                    | (dom.isPersistent() == 1 ? Domain.BlockCopyFlags.TRANSIENT_JOB : 0);
            dom.blockCopy(r.disk(), destXml, params, flags);
        });
    }

    /** A watcher for a job already running in QEMU (after a reconnect or a daemon restart). */
    BlockJobWatcher watch(BlockJob job, BlockJobObserver observer) {
        BlockJobWatcher w = registry.register(job, observer);
        w.start();
        return w;
    }

    @FunctionalInterface
    private interface JobCall {
        void start(Domain dom) throws LibvirtException;
    }

    private BlockJobWatcher start(BlockJob job, BlockJobObserver observer, String action, Involved where, JobCall call) {
        BlockJobWatcher w = registry.register(job, observer);
        try {
            startRetryingLockConflicts(job, action, where, call);
        } catch (RuntimeException e) {
            registry.unregister(w);
            throw e;
        }
        w.start();
        return w;
    }

    /**
     * Asks libvirt to start the job. Another process reading an image of the chain for a moment (a
     * backup tool, {@code qemu-img info -U} or {@code convert -U} of an overlay, which opens the
     * whole chain) holds QEMU's image lock that a commit or pull must take, and QEMU refuses the job
     * ("Failed to get shared "consistent read" lock"). Nothing started then, so the start is tried
     * again, with the backoff of {@link HostOptions#retryAttempts()}; any other refusal is final.
     */
    private void startRetryingLockConflicts(BlockJob job, String action, Involved where, JobCall call) {
        java.time.Duration backoff = session.options().retryFirstBackoff();
        for (int attempt = 1; ; attempt++) {
            try {
                session.onDomain(job.domain(), action, where, dom -> {
                    call.start(dom);
                    return null;
                });
                return;
            } catch (LibvirtCallException e) {
                if (!isImageLockConflict(e) || attempt >= session.options().retryAttempts()) {
                    throw e;
                }
                LOG.info("{} of {}/{}: an image is locked by another process ({}); trying again in {} ms", action,
                        job.domain(), job.disk(), e.getMessage(), backoff.toMillis());
                try {
                    Thread.sleep(backoff.toMillis());
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                backoff = backoff.multipliedBy(2);
            }
        }
    }

    /** QEMU's wording since 2.10: "Failed to get "write" lock", "Failed to get shared "consistent read" lock". */
    static boolean isImageLockConflict(RuntimeException e) {
        String m = e.getMessage();
        return m != null && m.contains("Failed to get") && m.contains(" lock");
    }

    private List<Path> liveChain(String domain, String disk) {
        String xml = session.onDomain(domain, "read the live XML", Involved.domain(domain).disk(disk), dom -> {
            if (dom.isActive() != 1) {
                throw new BlockJobRefused("block jobs need a running domain; " + domain
                        + " is shut off (offline, use qemu-img)", Involved.domain(domain).disk(disk));
            }
            return dom.getXMLDesc(0);
        });
        return LiveXml.requireChain(xml, domain, disk);
    }

    private static int indexIn(List<Path> chain, Path image, Involved where, String role) {
        int i = chain.indexOf(image);
        if (i < 0) {
            throw new BlockJobRefused(role + " " + image + " is not on the disk's chain " + chain, where);
        }
        return i;
    }
}
