package dev.virtchain.daemon.exec;

import dev.virtchain.daemon.files.HostFiles;
import dev.virtchain.daemon.files.SpaceRelease;
import dev.virtchain.daemon.ledger.LedgerBook;
import dev.virtchain.libvirt.BlockJob;
import dev.virtchain.libvirt.BlockJobKind;
import dev.virtchain.libvirt.BlockJobObserver;
import dev.virtchain.libvirt.BlockJobOutcome;
import dev.virtchain.libvirt.BlockJobState;
import dev.virtchain.libvirt.BlockJobWatcher;
import dev.virtchain.libvirt.LibvirtHost;
import dev.virtchain.libvirt.image.QemuImg;
import dev.virtchain.model.Disk;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.plan.AllocationFacts;
import dev.virtchain.model.plan.Step;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real machine: libvirt for the domain and its block jobs, qemu-img for offline work and
 * costs, the image headers (read by virtchain, never probed) for chains, and the files under the
 * configured roots.
 */
public final class LiveHost implements Host {
    private static final Logger log = LoggerFactory.getLogger(LiveHost.class);
    /** How long a free-space check waits for removed images to be freed. */
    private static final Duration SETTLE = Duration.ofSeconds(30);

    private final LibvirtHost libvirt;
    private final QemuImg qemuImg;
    private final HostFiles files;
    private final DomainTruth truth;
    private final Duration agentTimeout;
    private final SpaceRelease release = new SpaceRelease();

    /** @param agentTimeout how long a quiesced snapshot waits for the guest agent ({@code agent-timeout}) */
    public LiveHost(LibvirtHost libvirt, QemuImg qemuImg, HostFiles files, LedgerBook book, Duration agentTimeout) {
        this.libvirt = libvirt;
        this.qemuImg = qemuImg;
        this.files = files;
        this.truth = new DomainTruth(libvirt, files, book);
        this.agentTimeout = agentTimeout;
    }

    @Override
    public Observation observe(String domain, Collection<Step> steps) {
        return truth.observe(domain, steps);
    }

    @Override
    public boolean isRunning(String domain) {
        return libvirt.isRunning(domain);
    }

    @Override
    public boolean exists(String path) {
        return Files.exists(Path.of(path), LinkOption.NOFOLLOW_LINKS);
    }

    @Override
    public AllocationFacts facts(String domain, Ledger ledger, Observation observation) {
        return new MeasuredFacts(qemuImg, ledger, image -> files.chain(ledger, image,
                files.roots(observation.description(), Optional.of(ledger))), liveAllocation(domain, ledger, observation));
    }

    /** libvirt's current allocation of a disk's active image when the domain runs; 0 for other images. */
    private java.util.function.Function<String, Long> liveAllocation(String domain, Ledger ledger, Observation obs) {
        return image -> {
            if (obs.running()) {
                for (Disk d : ledger.disks()) {
                    if (d.active().equals(image)) {
                        return libvirt.diskUsage(domain, d.target()).allocation();
                    }
                }
            }
            return 0L;
        };
    }

    @Override
    public long usableSpace(String directory) throws IOException {
        try {
            // Images removed a moment ago may still be being freed: count their blocks as free.
            if (!release.settle(SETTLE)) {
                log.info("{} removed images are still being freed; the free space of {} counts them as used",
                        release.pending(), directory);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while removed images were being freed", e);
        }
        return Files.getFileStore(Path.of(directory)).getUsableSpace();
    }

    @Override
    public void checkDestination(Step creating, String path) {
        files.destination(creating instanceof Step.CreateCopyTarget ? HostFiles.Kind.COPY : HostFiles.Kind.EXPORT,
                Path.of(path));
    }

    @Override
    public void deleteIfExists(String path) throws IOException {
        Files.deleteIfExists(Path.of(path));
    }

    @Override
    public void freeRemoved() {
        release.free();
    }

    @Override
    public void run(Step step, StepContext context) {
        step.accept(new StepRunner(libvirt, qemuImg, files, truth, context, agentTimeout, release));
    }

    @Override
    public Reattached reattach(String domain, Step step, Observation obs, long bandwidthMiB) {
        if (step instanceof Step.Pivot || step instanceof Step.FinishCopy) {
            return Reattached.NOT_DONE; // their own run watches the job again (the copy or commit step below them was READY)
        }
        String disk = step.disk();
        Optional<BlockJob> reattached = disk == null ? Optional.empty()
                : ReattachedJobs.of(domain, step, obs.chains().chains().get(disk), bandwidthMiB);
        if (reattached.isEmpty()) {
            return Reattached.NOT_DONE;
        }
        BlockJob job = reattached.get();
        BlockJobWatcher w = libvirt.watch(job, BlockJobObserver.NONE);
        try {
            if (job.kind() == BlockJobKind.COPY) {
                var first = CompletableFuture.anyOf(w.whenReady(), w.outcome()).get();
                return first instanceof BlockJobWatcher ? Reattached.DONE : Reattached.NOT_DONE;
            }
            if (job.kind() == BlockJobKind.ACTIVE_COMMIT) {
                // Ready (pivot is the next step) or ended: whichever comes first.
                var first = CompletableFuture.anyOf(w.whenReady(), w.outcome()).get();
                if (first instanceof BlockJobWatcher) {
                    return Reattached.READY;
                }
                return ((BlockJobOutcome) first).state() == BlockJobState.COMPLETED ? Reattached.DONE : Reattached.NOT_DONE;
            }
            return w.outcome().get().state() == BlockJobState.COMPLETED ? Reattached.DONE : Reattached.NOT_DONE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StepFailed(domain, job.disk(), null, "interrupted while re-attaching to the block job", e);
        } catch (ExecutionException e) {
            log.warn("re-attached job on {}/{} ended without success; running the step again: {}", domain, job.disk(),
                    e.getCause() == null ? e : e.getCause().getMessage());
            return Reattached.NOT_DONE;
        }
    }

    @Override
    public void abortJob(String domain, String disk) throws Exception {
        Optional<BlockJobWatcher> w = libvirt.watcher(domain, disk);
        if (w.isPresent()) {
            w.get().abort().get(2, TimeUnit.MINUTES);
        }
    }

    @Override
    public void dropLinkedPartial(String dest) {
        StepRunner.dropLinkedPartial(dest);
    }
}
