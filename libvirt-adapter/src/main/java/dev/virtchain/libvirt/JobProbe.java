package dev.virtchain.libvirt;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What a {@link BlockJobWatcher} needs from libvirt about one disk. The real one is
 * {@link LibvirtJobProbe}; unit tests use a fake that plays QEMU's part.
 */
interface JobProbe {
    /** A job as libvirt reports it; {@code type} is libvirt's {@code virDomainBlockJobType}. */
    record JobInfo(int type, long cur, long end, long bandwidthMiB) {}

    /** The disk's current job, empty when it has none. */
    Optional<JobInfo> jobInfo(String domain, String disk);

    /** True when the live XML shows the disk's mirror {@code ready='yes'} (active commit, copy). */
    boolean mirrorReady(String domain, String disk);

    /**
     * The disk's chain from the live XML, active image first; empty when the domain is not
     * running or the disk is gone (unplugged).
     */
    Optional<List<Path>> liveChain(String domain, String disk);

    /** Pivots (synchronously). @throws PivotRefusedException when QEMU is not ready */
    void pivot(String domain, String disk);

    /** Aborts (synchronously); on a READY copy this finishes it without pivot. */
    void abort(String domain, String disk);

    void setSpeed(String domain, String disk, long bandwidthMiB);
}
