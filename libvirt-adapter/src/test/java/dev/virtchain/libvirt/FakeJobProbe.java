package dev.virtchain.libvirt;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Plays QEMU and libvirt for one disk in watcher tests: a job that runs, becomes ready, is pivoted
 * or aborted, or vanishes; a chain; a connection that can be down. No mocks: the behaviour is
 * the one measured on libvirt 9.0 (pivot refused before READY, "no job" after any ending).
 */
final class FakeJobProbe implements JobProbe {
    private JobInfo job;
    private boolean mirrorReady;
    private List<Path> chain;
    private final List<Path> chainAfterPivot;
    private boolean running = true;
    private boolean reachable = true;
    private int refusePivots;
    private int pivotCalls;
    private int abortCalls;
    private final List<Long> speeds = new ArrayList<>();

    FakeJobProbe(BlockJob spec) {
        this.job = new JobInfo(spec.kind().libvirtType(), 0, 64 << 20, spec.bandwidthMiB());
        this.chain = new ArrayList<>(spec.chainBefore());
        this.chainAfterPivot = spec.expectedChain();
    }

    synchronized void progress(long cur, long end) {
        job = new JobInfo(job.type(), cur, end, job.bandwidthMiB());
    }

    synchronized void becomeReady() {
        mirrorReady = true;
        progress(job.end(), job.end());
    }

    /** The job ends by itself leaving {@code after} (completion, or failure with the old chain). */
    synchronized void end(List<Path> after) {
        job = null;
        mirrorReady = false;
        chain = new ArrayList<>(after);
    }

    synchronized void refusePivots(int n) {
        refusePivots = n;
    }

    synchronized void stopDomain() {
        running = false;
        job = null;
    }

    synchronized void reachable(boolean up) {
        reachable = up;
    }

    synchronized int pivotCalls() {
        return pivotCalls;
    }

    synchronized int abortCalls() {
        return abortCalls;
    }

    synchronized List<Long> speeds() {
        return List.copyOf(speeds);
    }

    private void requireReachable() {
        if (!reachable) {
            throw new LibvirtUnreachableException("libvirtd is down (fake)", Involved.domain("web"), null);
        }
    }

    @Override
    public synchronized Optional<JobInfo> jobInfo(String domain, String disk) {
        requireReachable();
        return running ? Optional.ofNullable(job) : Optional.empty();
    }

    @Override
    public synchronized boolean mirrorReady(String domain, String disk) {
        requireReachable();
        return mirrorReady;
    }

    @Override
    public synchronized Optional<List<Path>> liveChain(String domain, String disk) {
        requireReachable();
        return running ? Optional.of(List.copyOf(chain)) : Optional.empty();
    }

    @Override
    public synchronized void pivot(String domain, String disk) {
        requireReachable();
        pivotCalls++;
        if (refusePivots > 0 || !mirrorReady) {
            refusePivots--;
            throw new PivotRefusedException("not ready for pivot yet (fake)", Involved.domain(domain).disk(disk), null);
        }
        end(chainAfterPivot);
    }

    @Override
    public synchronized void abort(String domain, String disk) {
        requireReachable();
        abortCalls++;
        if (job == null) {
            throw new LibvirtCallException("disk has no active block job (fake)", Involved.domain(domain).disk(disk), null);
        }
        job = null;
        mirrorReady = false;
    }

    @Override
    public synchronized void setSpeed(String domain, String disk, long bandwidthMiB) {
        requireReachable();
        speeds.add(bandwidthMiB);
        if (job != null) {
            job = new JobInfo(job.type(), job.cur(), job.end(), bandwidthMiB);
        }
    }
}
