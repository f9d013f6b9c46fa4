package dev.virtchain.daemon.exec;

import dev.virtchain.daemon.files.CreatedFile;
import dev.virtchain.daemon.files.DestinationRefused;
import dev.virtchain.daemon.files.HostFiles;
import dev.virtchain.daemon.files.SpaceRelease;
import dev.virtchain.daemon.files.StateTree;
import dev.virtchain.libvirt.image.DiskChain;
import dev.virtchain.libvirt.image.ImageChain;
import dev.virtchain.libvirt.image.ImageCheck;
import dev.virtchain.libvirt.image.ImageHeader;
import java.nio.file.LinkOption;
import org.slf4j.LoggerFactory;

import dev.virtchain.daemon.ProgressSink;
import dev.virtchain.libvirt.BlockJob;
import dev.virtchain.libvirt.BlockJobObserver;
import dev.virtchain.libvirt.BlockJobOutcome;
import dev.virtchain.libvirt.BlockJobProgress;
import dev.virtchain.libvirt.BlockJobState;
import dev.virtchain.libvirt.BlockJobWatcher;
import dev.virtchain.libvirt.CommitRequest;
import dev.virtchain.libvirt.LibvirtHost;
import dev.virtchain.libvirt.PullRequest;
import dev.virtchain.libvirt.SnapshotRequest;
import dev.virtchain.libvirt.SnapshotResult;
import dev.virtchain.libvirt.image.QemuImg;
import dev.virtchain.libvirt.image.RebaseMode;
import dev.virtchain.libvirt.xml.CloneDefinition;
import dev.virtchain.libvirt.xml.DiskSourceRewrite;
import dev.virtchain.libvirt.xml.DomainXmlReader;
import dev.virtchain.model.Consistency;
import dev.virtchain.model.Image;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.plan.Step;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Carries out one step of a plan on the real host: block jobs through libvirt, offline work with
 * qemu-img, definitions through defineXML, and unlinks only after a fresh read of the domain shows
 * the file out of every chain. Steps are written to be repeatable: recovery runs a step again when
 * it cannot see that it happened.
 *
 * <p>A block job holds one of the host-wide job permits while it runs; an active commit keeps its
 * permit until its pivot.
 */
final class StepRunner implements Step.Visitor<Void> {
    private final LibvirtHost host;
    private final QemuImg qemuImg;
    private final HostFiles files;
    private final DomainTruth truth;
    private final StepContext cx;
    private final Semaphore jobPermits;
    private final String domain;
    private final Ledger ledger;
    private final long bandwidthMiB;
    private final ProgressSink progress;
    private final java.time.Duration agentTimeout;
    private final SpaceRelease spaceRelease;

    StepRunner(LibvirtHost host, QemuImg qemuImg, HostFiles files, DomainTruth truth, StepContext cx,
               java.time.Duration agentTimeout,
            SpaceRelease release) {
        this.host = host;
        this.qemuImg = qemuImg;
        this.files = files;
        this.truth = truth;
        this.cx = cx;
        this.jobPermits = cx.jobPermits();
        this.domain = cx.domain();
        this.ledger = cx.ledger();
        this.bandwidthMiB = cx.bandwidthMiB();
        this.progress = cx.progress();
        this.agentTimeout = agentTimeout;
        this.spaceRelease = release;
    }

    @Override
    public Void createOverlay(Step.CreateOverlay s) {
        Path overlay = Path.of(s.path());
        if (Files.exists(overlay, LinkOption.NOFOLLOW_LINKS)) {
            // Names are never reused, so an existing file of this name is this operation's own,
            // left by a crash after it was created: keep it if it is what we wanted.
            String backing = truth.backingOf(domain, overlay, "qcow2");
            if (backing.equals(s.backing())) {
                return null;
            }
            throw new StepFailed(domain, s.disk(), s.path(), "overlay " + s.path() + " already exists with backing '"
                    + backing + "', not " + s.backing() + "; move it away and retry", null);
        }
        qemuImg.createOverlay(overlay, Path.of(s.backing()), s.backingFormat().qemuName());
        return null;
    }

    @Override
    public Void takeSnapshot(Step.TakeSnapshot s) {
        // The adapter takes bare names in the active image's directory, where the planner put them.
        Map<String, String> overlays = new LinkedHashMap<>();
        s.overlays().forEach((disk, path) -> overlays.put(disk, Path.of(path).getFileName().toString()));
        SnapshotResult r;
        try {
            r = host.takeSnapshot(SnapshotRequest.onPrecreated(domain, overlays, quiesce(s)).withAgentTimeout(agentTimeout));
        } catch (dev.virtchain.libvirt.SnapshotException e) {
            if (e.agentUnavailable()) {
                // The user's words, not the step's: the agent is the whole story, and nothing changed.
                throw new StepFailed(domain, null, null, e.getMessage(), e);
            }
            throw e;
        }
        cx.taken().accept(new Taken(switch (r.consistency()) {
            case QUIESCED -> Consistency.QUIESCED;
            case CRASH_CONSISTENT, SHUT_OFF -> Consistency.CRASH;
        }, r.note()));
        return null;
    }

    private static dev.virtchain.libvirt.QuiesceMode quiesce(Step.TakeSnapshot s) {
        return switch (s.quiesce()) {
            case YES -> dev.virtchain.libvirt.QuiesceMode.YES;
            case NO -> dev.virtchain.libvirt.QuiesceMode.NO;
            case AUTO -> dev.virtchain.libvirt.QuiesceMode.AUTO;
        };
    }

    @Override
    public Void blockCommit(Step.BlockCommit s) {
        acquirePermit(s.disk());
        boolean keepPermit = false;
        try {
            AtomicBoolean reported = new AtomicBoolean();
            BlockJobWatcher w = host.startCommit(new CommitRequest(domain, s.disk(), Path.of(s.top()), Path.of(s.base()),
                    bandwidthMiB), observer("commit " + s.disk(), reported));
            announce("commit " + s.disk(), s.estimatedBytes(), reported);
            cx.reach(CrashPoint.Where.AFTER_CALL);
            if (s.active()) {
                await(w.whenReady(), s.disk(), s.top(), "active commit of " + s.top() + " into " + s.base());
                cx.reach(CrashPoint.Where.AT_READY);
                keepPermit = true; // the pivot step releases it
                return null;
            }
            requireCompleted(await(w.outcome(), s.disk(), s.top(), "commit of " + s.top() + " into " + s.base()),
                    s.disk(), s.top());
            return null;
        } finally {
            if (!keepPermit) {
                jobPermits.release();
            }
        }
    }

    @Override
    public Void pivot(Step.Pivot s) {
        try {
            Optional<BlockJobWatcher> watched = host.watcher(domain, s.disk());
            BlockJobWatcher w = watched.orElseGet(() -> reattach(s));
            requireCompleted(await(w.pivot(), s.disk(), s.newActive(), "pivot to " + s.newActive()), s.disk(),
                    s.newActive());
            cx.reach(CrashPoint.Where.AFTER_PIVOT);
            return null;
        } finally {
            jobPermits.release();
        }
    }

    /** After a daemon restart QEMU may still hold the READY job: watch it again to pivot it. */
    private BlockJobWatcher reattach(Step.Pivot s) {
        return watchAgain(s, s.disk(), "commit " + s.disk());
    }

    /** Watches the job {@code step} ends again, as {@link ReattachedJobs} has it for the chain the disk has now. */
    private BlockJobWatcher watchAgain(Step step, String disk, String what) {
        List<String> live = truth.observe(domain).chains().chains().getOrDefault(disk, List.of());
        return host.watch(ReattachedJobs.of(domain, step, live, bandwidthMiB).orElseThrow(), observer(what));
    }

    @Override
    public Void blockPull(Step.BlockPull s) {
        acquirePermit(s.disk());
        try {
            AtomicBoolean reported = new AtomicBoolean();
            BlockJobWatcher w = host.startPull(new PullRequest(domain, s.disk(), s.base() == null ? null : Path.of(s.base()),
                    bandwidthMiB), observer("pull " + s.disk(), reported));
            announce("pull " + s.disk(), s.estimatedBytes(), reported);
            cx.reach(CrashPoint.Where.AFTER_CALL);
            requireCompleted(await(w.outcome(), s.disk(), s.image(), "pull into " + s.image()), s.disk(), s.image());
            return null;
        } finally {
            jobPermits.release();
        }
    }

    @Override
    public Void offlineRebase(Step.OfflineRebase s) {
        // qemu-img rebase follows the headers below both chains: check them first
        files.chain(ledger, s.image());
        if (s.newBacking() != null) {
            files.chain(ledger, s.newBacking());
        }
        forgetStoredChain(s.disk());
        String fmt = s.newBacking() == null ? null : formatOf(s.newBacking());
        qemuImg.rebase(Path.of(s.image()), s.newBacking() == null ? null : Path.of(s.newBacking()), fmt,
                s.safe() ? RebaseMode.SAFE : RebaseMode.UNSAFE);
        cx.reach(CrashPoint.Where.AFTER_CALL);
        return null;
    }

    @Override
    public Void offlineCommit(Step.OfflineCommit s) {
        forgetStoredChain(s.disk());
        progress.progress("commit", 0, s.estimatedBytes(), "qemu-img commit " + s.top() + " into " + s.base());
        qemuImg.commit(files.chain(ledger, s.top()), Path.of(s.base()));
        progress.progress("commit", s.estimatedBytes(), s.estimatedBytes(), null);
        cx.reach(CrashPoint.Where.AFTER_CALL);
        return null;
    }

    /**
     * A shut-off domain's definition can store the chain the disk last ran on (libvirt writes it
     * there when it takes a snapshot), and libvirt starts the domain on that stored chain, not on
     * what the image headers say. Once qemu-img has rewritten a backing pointer, the stored chain
     * names an image that is about to be removed, and the domain would no longer start. So the
     * stored chain is dropped from the definition first (libvirt then reads the chain from the
     * headers at the next start): right before and right after the qemu-img run alike, so a crash
     * between the two leaves a definition that starts. Running again does nothing.
     */
    private void forgetStoredChain(String disk) {
        if (host.isRunning(domain)) {
            return; // the image is on a branch the running chain does not include: the definition is not about it
        }
        String xml = host.inactiveXml(domain);
        for (var d : DomainXmlReader.read(xml).disks()) {
            if (d.target().equals(disk) && !d.backing().isEmpty() && d.source() != null) {
                host.define(DiskSourceRewrite.withActiveImage(xml, disk, d.source(), d.format()));
            }
        }
    }

    @Override
    public Void convert(Step.Convert s) {
        ImageChain source = files.chain(ledger, s.source());
        export(s.disk(), s.dest(), partial -> qemuImg.convert(source, partial, "qcow2"),
                partial -> ImageChain.of(partial, "qcow2"));
        return null;
    }

    @Override
    public Void convertDiff(Step.ConvertDiff s) {
        ImageChain source = files.chain(ledger, s.source());
        ImageChain base = files.chain(ledger, s.backing());
        export(s.disk(), s.dest(), partial -> qemuImg.convertDiff(source, base, partial), partial -> {
            java.util.List<DiskChain.Link> links = new java.util.ArrayList<>();
            links.add(new DiskChain.Link(partial, "qcow2"));
            links.addAll(base.links());
            return new ImageChain(links);
        });
        return null;
    }

    /**
     * Writes an export so that its destination appears only complete: into {@code .NAME.partial}
     * beside it, created exclusively (0600), checked with {@code qemu-img check} once written,
     * forced to disk, then linked to its final name (which fails rather than replace anything) and the partial name
     * removed. A crash leaves at most the partial file, which this operation's recovery removes
     * and writes again; the destination itself is never deleted here.
     */
    private void export(String disk, String dest, java.util.function.Consumer<Path> write,
                        java.util.function.Function<Path, ImageChain> written) {
        Path target = Path.of(dest);
        Path partial = partialName(target);
        removeLeftover(disk, partial, "partial export");
        CreatedFile created;
        try {
            created = HostFiles.createExclusive(partial);
        } catch (DestinationRefused e) {
            throw new StepFailed(domain, disk, partial.toString(), e.getMessage(), e);
        }
        try {
            cx.reach(CrashPoint.Where.EXPORT_CREATED);
            write.accept(partial);
            cx.reach(CrashPoint.Where.AFTER_CALL);
            ImageCheck check = qemuImg.check(written.apply(partial));
            if (!check.clean()) {
                throw new StepFailed(domain, disk, dest, "the export written to " + partial + " does not check clean ("
                        + check + "); it was not given its name " + dest, null);
            }
            if (!created.stillOurs()) {
                throw new StepFailed(domain, disk, dest, partial + " was replaced while the export was written;"
                        + " it was not given its name " + dest, null);
            }
            created.sync(); // the name must never come before the data
            cx.reach(CrashPoint.Where.EXPORT_CHECKED);
            Files.createLink(target, partial);
            cx.reach(CrashPoint.Where.EXPORT_LINKED);
            Files.delete(partial);
            fsyncDirectory(target.getParent());
        } catch (RuntimeException | IOException e) {
            StepFailed failed = e instanceof StepFailed f ? f : new StepFailed(domain, disk, dest, "the export to " + dest
                    + " failed: " + e.getMessage(), e);
            try {
                created.deleteIfOurs();
            } catch (IOException cleanup) {
                failed.addSuppressed(cleanup);
            }
            throw failed;
        } finally {
            created.close();
        }
    }

    /**
     * A crash between giving a finished export its name and removing the partial name leaves two
     * names for one file: the partial one goes, and only when it is the very same file as the
     * export.
     */
    static void dropLinkedPartial(String dest) {
        Path target = Path.of(dest);
        Path partial = partialName(target);
        try {
            if (Files.exists(partial, LinkOption.NOFOLLOW_LINKS) && !Files.isSymbolicLink(partial)
                    && Files.isSameFile(partial, target)) {
                Files.delete(partial);
            }
        } catch (IOException e) {
            LoggerFactory.getLogger(StepRunner.class).warn("cannot remove {}, a second name of the finished export {}: {}",
                    partial, dest, e.getMessage());
        }
    }

    static Path partialName(Path dest) {
        return dest.resolveSibling("." + dest.getFileName() + ".partial");
    }

    /**
     * A file this step writes, left by a crash, is this operation's own: only this operation
     * writes that name (checked free before it began), in a directory only root can write. It is
     * removed only if it is a plain file owned by root with one link (not a symlink, device or
     * someone's hard link).
     */
    private void removeLeftover(String disk, Path partial, String what) {
        try {
            if (!Files.exists(partial, LinkOption.NOFOLLOW_LINKS)) {
                return;
            }
            var a = Files.readAttributes(partial, java.nio.file.attribute.PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            Object links = Files.getAttribute(partial, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
            if (!a.isRegularFile() || !a.owner().getName().equals("root") || !Integer.valueOf(1).equals(links)) {
                throw new StepFailed(domain, disk, partial.toString(), partial + " exists and is not a " + what
                        + " virtchain left (not a plain root-owned file); move it away and retry", null);
            }
            Files.delete(partial);
        } catch (IOException e) {
            throw new StepFailed(domain, disk, partial.toString(), "cannot remove the " + what + " " + partial + ": "
                    + e.getMessage(), e);
        }
    }

    private static void fsyncDirectory(Path dir) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(dir, java.nio.file.StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    @Override
    public Void setDiskSource(Step.SetDiskSource s) {
        String xml = host.inactiveXml(domain);
        host.define(DiskSourceRewrite.withActiveImage(xml, s.disk(), Path.of(s.path()), formatOf(s.path())));
        cx.reach(CrashPoint.Where.AFTER_CALL);
        return null;
    }

    @Override
    public Void stopDomain(Step.StopDomain s) {
        if (!host.isRunning(domain)) {
            return null;
        }
        if (!s.graceful()) {
            host.stop(domain);
            return null;
        }
        progress.progress("shutdown", 0, s.shutdownSeconds(), "waiting up to " + s.shutdownSeconds()
                + " s for " + domain + " to shut down");
        host.requestShutdown(domain);
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(s.shutdownSeconds()).toNanos();
        while (host.isRunning(domain)) {
            if (System.nanoTime() > deadline) {
                throw new StepFailed(domain, null, null, domain + " did not shut down within " + s.shutdownSeconds()
                        + " s of being asked to (guest agent, else ACPI); nothing was reverted. It may still be"
                        + " shutting down: check 'virsh domstate " + domain + "', then revert again, or give"
                        + " --shutdown-timeout more time, or use --force to stop it hard", null);
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StepFailed(domain, null, null, "interrupted while waiting for " + domain
                        + " to shut down; nothing was reverted", e);
            }
        }
        return null;
    }

    @Override
    public Void startDomain(Step.StartDomain s) {
        if (!host.isRunning(domain)) {
            host.start(domain);
        }
        return null;
    }

    /**
     * Defines the clone as virt-clone would (see {@link CloneDefinition}): state it needs is
     * copied first, the UEFI variable store beside the origin's under the clone's name, an
     * emulated TPM's state under the clone's UUID (the one the journalled step holds, so that a
     * resumed step finds its earlier copy) with owner, group and mode kept ({@link StateTree}).
     * The clone command refused a name libvirt already had, so a clone found defined here was
     * defined by an earlier run of this step; a copy found complete is reused. If defining fails,
     * the copies this run made are removed.
     */
    @Override
    public Void defineClone(Step.DefineClone s) {
        if (host.listDomains().stream().anyMatch(d -> d.name().equals(s.newDomain()))) {
            return null;
        }
        Map<String, Path> disks = new LinkedHashMap<>();
        s.disks().forEach((disk, path) -> disks.put(disk, Path.of(path)));
        CloneDefinition.Clone clone = CloneDefinition.plan(host.inactiveXml(domain), s.newDomain(),
                s.uuid() != null ? s.uuid() : java.util.UUID.randomUUID(), disks);
        java.util.List<Path> made = new java.util.ArrayList<>();
        try {
            for (CloneDefinition.StateFile f : clone.copies()) {
                boolean copied = switch (f.kind()) {
                    case NVRAM -> copyStateFile(f, s.newDomain());
                    case TPM -> copyStateTree(f, s.newDomain());
                };
                if (copied) {
                    made.add(f.to());
                }
            }
            cx.reach(CrashPoint.Where.BEFORE_DEFINE_CLONE);
            host.define(clone.xml());
        } catch (RuntimeException e) {
            for (Path p : made) {
                try {
                    StateTree.delete(p);
                } catch (java.nio.file.NoSuchFileException x) {
                    // gone already
                } catch (IOException x) {
                    e.addSuppressed(x);
                }
            }
            throw e;
        }
        return null;
    }

    /** Copies emulated TPM state for a clone ({@link StateTree}); true when this run made the copy. */
    private boolean copyStateTree(CloneDefinition.StateFile f, String clone) {
        try {
            return StateTree.copy(f.from(), f.to(), f.fresh()) == StateTree.Outcome.COPIED;
        } catch (StateTree.Refused e) {
            throw new StepFailed(domain, null, f.from().toString(), "cannot give clone " + clone + " the " + f.what()
                    + " of " + domain + ": " + e.getMessage() + ". Check " + f.from() + " (swtpm's user writes it;"
                    + " a link or special file there is not followed by root), or remove the TPM from " + domain
                    + "'s definition before cloning", e);
        } catch (IOException e) {
            throw new StepFailed(domain, null, f.to().toString(), "cannot copy the " + f.what() + " " + f.from()
                    + " to " + f.to() + " for clone " + clone + ": " + e.getMessage(), e);
        }
    }

    /**
     * Copies a state file for a clone: written to a hidden partial file made exclusively (0600),
     * synced, then linked to its name, which fails rather than replace anything. True when this
     * run made the file; false when there was nothing to copy (an origin never started has no
     * variable store yet: libvirt makes the clone's from the template) or an earlier run made it.
     */
    private boolean copyStateFile(CloneDefinition.StateFile f, String clone) {
        if (!Files.isRegularFile(f.from())) {
            return false;
        }
        Path partial = f.to().resolveSibling("." + f.to().getFileName() + ".partial");
        try {
            if (Files.exists(f.to(), LinkOption.NOFOLLOW_LINKS)) {
                if (Files.isRegularFile(f.to(), LinkOption.NOFOLLOW_LINKS) && Files.mismatch(f.from(), f.to()) == -1) {
                    return false;
                }
                throw new StepFailed(domain, null, f.to().toString(), "cannot give clone " + clone + " its "
                        + f.what() + ": " + f.to() + " exists already and is not a copy of " + f.from()
                        + "; move it away (is it left from an earlier domain " + clone + "?) and clone again", null);
            }
            if (Files.isRegularFile(partial, LinkOption.NOFOLLOW_LINKS)) {
                Files.delete(partial); // left by a run that crashed while copying
            }
            try (CreatedFile out = HostFiles.createExclusive(partial)) {
                try (var ch = java.nio.channels.FileChannel.open(partial, java.nio.file.StandardOpenOption.WRITE,
                        LinkOption.NOFOLLOW_LINKS); var in = Files.newInputStream(f.from())) {
                    java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(1 << 16);
                    for (int n; (n = in.read(buf.array())) > 0; ) {
                        buf.limit(n).position(0);
                        while (buf.hasRemaining()) {
                            ch.write(buf);
                        }
                        buf.clear();
                    }
                    ch.force(true);
                }
                Files.createLink(f.to(), partial);
                out.deleteIfOurs();
            }
            fsyncDirectory(f.to().getParent());
            return true;
        } catch (DestinationRefused e) {
            throw new StepFailed(domain, null, partial.toString(), "cannot give clone " + clone + " its " + f.what()
                    + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new StepFailed(domain, null, f.to().toString(), "cannot copy the " + f.what() + " " + f.from()
                    + " to " + f.to() + " for clone " + clone + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Void unlink(Step.Unlink s) {
        cx.reach(CrashPoint.Where.BEFORE_UNLINK);
        Path file = Path.of(s.path());
        if (!Files.exists(file)) {
            return null;
        }
        Optional<String> user = cx.otherUser().apply(s.path());
        if (user.isPresent()) {
            throw new StepFailed(domain, s.disk(), s.path(), "refusing to delete " + s.path()
                    + ": the ledger of domain " + user.get() + " still names it", null);
        }
        Observation now = truth.observe(domain);
        if (now.inAnyChain(s.path())) {
            throw new StepFailed(domain, s.disk(), s.path(), "refusing to delete " + s.path()
                    + ": the domain still uses it (it is in the chain of a disk)", null);
        }
        try {
            spaceRelease.unlink(file);
        } catch (NoSuchFileException e) {
            return null; // gone since the check above: what this step wants
        } catch (IOException e) {
            throw new StepFailed(domain, s.disk(), s.path(), "cannot delete " + s.path() + ": " + e.getMessage(), e);
        }
        return null;
    }

    @Override
    public Void updateLedger(Step.UpdateLedger s) {
        throw new IllegalStateException("ledger updates are applied by the operation runner, not run on the host");
    }

    /**
     * Creates a copy's destination as the daemon's own file (exclusively, 0600), so that libvirtd
     * only reuses it (REUSE_EXT) and never creates or truncates a file on a client's word. The
     * operation checked that the name was free before it began, so a file found here now was left
     * by an interrupted run of this step: it is replaced when it is a plain root-owned file.
     */
    @Override
    public Void createCopyTarget(Step.CreateCopyTarget s) {
        Path dest = Path.of(s.path());
        removeLeftover(s.disk(), dest, "copy target");
        CreatedFile created;
        try {
            created = HostFiles.createExclusive(dest);
        } catch (DestinationRefused e) {
            throw new StepFailed(domain, s.disk(), s.path(), e.getMessage(), e);
        }
        try (created) {
            // As large as the image it copies (the active one), which may exceed its backing file's size.
            ImageChain source = files.chain(ledger, s.source());
            long size = ImageHeader.read(source.top().file(), source.top().format()).virtualSize();
            if (s.backing() != null) {
                ImageChain below = files.chain(ledger, s.backing());
                qemuImg.createOverlayIn(dest, below.top().file(), below.top().format(), size);
            } else {
                qemuImg.createEmptyIn(dest, s.format().qemuName(), size);
            }
            created.sync();
            cx.reach(CrashPoint.Where.AFTER_CALL);
        } catch (RuntimeException | IOException e) {
            RuntimeException failed = e instanceof RuntimeException r ? r : new StepFailed(domain, s.disk(), s.path(),
                    "cannot write the copy target " + s.path() + ": " + e.getMessage(), e);
            try {
                created.deleteIfOurs();
            } catch (IOException x) {
                failed.addSuppressed(x);
            }
            throw failed;
        }
        return null;
    }

    /**
     * Copies until the destination mirrors the guest (READY). The job-slot permit is held while
     * the bulk of the data moves and given back at READY: from then on QEMU only mirrors new
     * writes until the next step ends the job.
     */
    @Override
    public Void blockCopy(Step.BlockCopy s) {
        acquirePermit(s.disk());
        try {
            AtomicBoolean reported = new AtomicBoolean();
            BlockJobWatcher w = host.startCopy(new dev.virtchain.libvirt.CopyRequest(domain, s.disk(), Path.of(s.dest()),
                    s.format().qemuName(), s.shallow(), true, bandwidthMiB), observer("copy " + s.disk(), reported));
            announce("copy " + s.disk(), s.estimatedBytes(), reported);
            cx.reach(CrashPoint.Where.AFTER_CALL);
            awaitReady(w, s.disk(), s.dest());
            cx.reach(CrashPoint.Where.AT_READY);
            return null;
        } finally {
            jobPermits.release();
        }
    }

    private void awaitReady(BlockJobWatcher w, String disk, String dest) {
        try {
            w.whenReady().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StepFailed(domain, disk, dest, "interrupted while copying " + disk + " to " + dest, e);
        } catch (ExecutionException e) {
            BlockJobOutcome outcome = w.outcome().getNow(null);
            throw new StepFailed(domain, disk, dest, "the copy of " + disk + " to " + dest + " ended "
                    + (outcome == null ? "before it was in sync: " + (e.getCause() == null ? e : e.getCause()).getMessage()
                    : outcome.state().name().toLowerCase(java.util.Locale.ROOT)
                    + (outcome.reason() == null ? "" : " (" + outcome.reason() + ")"))
                    + "; the domain keeps its chain", e.getCause() == null ? e : e.getCause());
        }
    }

    /**
     * Pivots the in-sync copy, or completes it without a pivot. After a daemon restart QEMU may
     * still mirror: the job is watched again. A job that is gone already was ended by the run a
     * crash interrupted: a pivot is then done when the disk runs on the copy, and a copy without
     * pivot is done (libvirt drops a finished copy job).
     */
    @Override
    public Void finishCopy(Step.FinishCopy s) {
        BlockJobWatcher w = host.watcher(domain, s.disk()).orElseGet(() -> reattachCopy(s));
        try {
            CompletableFuture.anyOf(w.whenReady(), w.outcome()).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StepFailed(domain, s.disk(), s.dest(), "interrupted while waiting for the copy to " + s.dest(), e);
        } catch (ExecutionException e) {
            // the job ended before it was (again) in sync: looked at below
        }
        boolean ready = w.whenReady().isDone() && !w.whenReady().isCompletedExceptionally();
        if (!ready) {
            List<String> now = truth.observe(domain).chains().chains().getOrDefault(s.disk(), List.of());
            if (!s.pivot() || now.equals(s.chainAfter())) {
                LoggerFactory.getLogger(StepRunner.class).info("{} {}: the copy to {} had ended already", domain,
                        s.disk(), s.dest());
                return null;
            }
            throw new StepFailed(domain, s.disk(), s.dest(), "the copy of " + s.disk() + " to " + s.dest()
                    + " is no longer running and the domain does not use the copy (it runs on " + now
                    + "); nothing was switched", null);
        }
        String what = s.pivot() ? "pivot to " + s.dest() : "end of the copy to " + s.dest();
        requireCompleted(await(s.pivot() ? w.pivot() : w.finish(), s.disk(), s.dest(), what), s.disk(), s.dest());
        cx.reach(s.pivot() ? CrashPoint.Where.AFTER_PIVOT : CrashPoint.Where.AFTER_CALL);
        return null;
    }

    private BlockJobWatcher reattachCopy(Step.FinishCopy s) {
        return watchAgain(s, s.disk(), "copy " + s.disk());
    }

    // --- pieces -----------------------------------------------------------------------------------

    private String formatOf(String path) {
        for (var d : ledger.disks()) {
            Image i = d.image(path);
            if (i != null) {
                return i.format().qemuName();
            }
        }
        return "qcow2"; // new overlays the ledger does not list yet are always qcow2
    }

    private void acquirePermit(String disk) {
        if (!jobPermits.tryAcquire()) {
            progress.progress("queued", 0, 0, "waiting for a block-job slot (host-wide limit) for " + disk);
            jobPermits.acquireUninterruptibly();
        }
    }

    /**
     * Tells the client a block job has started, unless the watcher already reported it: QEMU 10
     * (libvirt 11.3) can finish a commit of a few MiB before the watcher's first poll sees it run,
     * and the client would otherwise see no progress at all for that step. Sent only once libvirt
     * has started the job: {@code --no-wait} answers at a step's first progress.
     */
    private void announce(String phase, long estimatedBytes, AtomicBoolean reported) {
        if (!reported.get()) {
            progress.progress(phase, 0, estimatedBytes, null);
        }
    }

    private BlockJobObserver observer(String phase) {
        return observer(phase, new AtomicBoolean());
    }

    private BlockJobObserver observer(String phase, AtomicBoolean reported) {
        return new BlockJobObserver() {
            @Override
            public void onProgress(BlockJob job, BlockJobProgress p) {
                reported.set(true);
                progress.progress(phase, p.cur(), p.end(), null);
            }
        };
    }

    private <T> T await(CompletableFuture<T> f, String disk, String file, String what) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StepFailed(domain, disk, file, "interrupted while waiting for the " + what, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new StepFailed(domain, disk, file, "the " + what + " failed: " + cause.getMessage(), cause);
        }
    }

    private void requireCompleted(BlockJobOutcome outcome, String disk, String file) {
        if (outcome.state() != BlockJobState.COMPLETED) {
            throw new StepFailed(domain, disk, file, "block job on " + domain + "/" + disk + " ended "
                    + outcome.state() + (outcome.reason() == null ? "" : ": " + outcome.reason())
                    + "; the chain is now " + outcome.chainAfter(), null);
        }
    }
}
