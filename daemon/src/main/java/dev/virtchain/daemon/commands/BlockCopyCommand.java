package dev.virtchain.daemon.commands;

import dev.virtchain.daemon.files.CreatedFile;
import dev.virtchain.daemon.files.DestinationRefused;
import dev.virtchain.daemon.files.HostFiles;
import dev.virtchain.libvirt.image.ImageChain;
import dev.virtchain.libvirt.image.ImageHeader;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.daemon.control.CommandArgs;
import dev.virtchain.daemon.control.CommandFailure;
import dev.virtchain.daemon.control.CommandHandler;
import dev.virtchain.daemon.control.ErrorCode;
import dev.virtchain.daemon.control.ProgressSink;
import dev.virtchain.daemon.ledger.StaleLedger;
import dev.virtchain.daemon.ledger.StoredLedger;
import dev.virtchain.libvirt.BlockJob;
import dev.virtchain.libvirt.BlockJobObserver;
import dev.virtchain.libvirt.BlockJobOutcome;
import dev.virtchain.libvirt.BlockJobProgress;
import dev.virtchain.libvirt.BlockJobState;
import dev.virtchain.libvirt.BlockJobWatcher;
import dev.virtchain.libvirt.CopyRequest;
import dev.virtchain.libvirt.LibvirtHost;
import dev.virtchain.model.Disk;
import dev.virtchain.model.Image;
import dev.virtchain.model.ImageFormat;
import dev.virtchain.model.Ledger;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code blockcopy DOMAIN DISK DEST [--shallow] [--pivot] [--format qcow2|raw] [--bandwidth MiB/s]}:
 * a live copy of a running domain's disk. Without {@code --shallow} the whole chain is flattened
 * into DEST; with it DEST is a qcow2 overlay (made here, with a relative backing name) on the
 * active image's backing file. Without {@code --pivot} the job is finished once in sync and the
 * domain keeps its chain; with it the domain switches to DEST and the ledger follows.
 *
 * <p>The ledger can follow a pivot only where no point in time moves: a shallow copy replaces
 * the active image (which holds no snapshot) and keeps every holder below it; a full copy
 * replaces the whole chain, so it is allowed only on a disk no snapshot or tombstone uses. The
 * rest is refused, before anything starts.
 */
final class BlockCopyCommand implements CommandHandler {
    static final String NAME = "blockcopy";
    private static final Logger log = LoggerFactory.getLogger(BlockCopyCommand.class);

    private final Context cx;

    BlockCopyCommand(Context cx) {
        this.cx = cx;
    }

    @Override
    public JsonNode handle(CommandArgs args, ProgressSink progress) throws CommandFailure {
        args.allowOnly(Set.of("domain", "disk", "dest", "shallow", "pivot", "format", "bandwidth"));
        String domain = ManagedDomain.name(args, "domain", "domain", null);
        String disk = ManagedDomain.name(args, "disk", "disk target", domain);
        Path requested = Arguments.destination(args, "dest");
        boolean shallowAsked = args.flag("shallow", false);
        boolean pivot = args.flag("pivot", false);
        String format = args.optionalString("format").orElse("qcow2");
        if (!format.equals("qcow2") && !format.equals("raw")) {
            throw CommandFailure.invalidArgument("argument 'format' must be qcow2 or raw, not '" + format + "'");
        }
        long bandwidth = Arguments.bandwidth(args);
        StoredLedger stored = cx.stored(domain);
        Ledger ledger = stored.ledger();
        Disk d = ledger.disk(disk).orElse(null);
        if (d == null) {
            throw Failures.of(new dev.virtchain.model.UnknownDisk(domain, disk, ledger.diskTargets()), domain);
        }
        Image active = d.activeImage();
        boolean shallow = shallowAsked && active.hasBacking();
        LibvirtHost host = cx.services().host();
        Path dest;
        try {
            dest = cx.services().files().destination(HostFiles.Kind.COPY, requested);
        } catch (DestinationRefused e) {
            throw Failures.of(e, domain);
        }
        refuseUnsafe(domain, disk, dest, format, shallow, pivot, ledger, stored);
        try {
            if (!host.isRunning(domain)) {
                throw refused(domain, disk, dest, "domain " + domain + " is shut off and blockcopy copies a running"
                        + " domain's disk; export a snapshot (virtchain export) or copy the files with qemu-img"
                        + " convert instead");
            }
        } catch (RuntimeException e) {
            throw Failures.of(e, domain);
        }

        // The daemon creates the destination itself (exclusively, 0600) and libvirt reuses it
        // (REUSE_EXT): libvirtd never creates or truncates a file on a client's word.
        CreatedFile created;
        try {
            created = HostFiles.createExclusive(dest);
        } catch (DestinationRefused e) {
            throw Failures.of(e, domain);
        }
        try (created) {
            try {
                if (shallow) {
                    ImageChain below = cx.services().files().chain(ledger, active.backing());
                    cx.services().qemuImg().createOverlayIn(dest, below.top().file(), below.top().format());
                } else {
                    ImageChain chain = cx.services().files().chain(ledger, active.path());
                    long size = ImageHeader.read(chain.top().file(), chain.top().format()).virtualSize();
                    cx.services().qemuImg().createEmptyIn(dest, format, size);
                }
            } catch (RuntimeException e) {
                removeDest(created, e);
                throw Failures.of(e, domain);
            }
            CompletableFuture<Boolean> settled = new CompletableFuture<>();
            BlockJobWatcher w;
            try {
                w = host.startCopy(new CopyRequest(domain, disk, dest, format, shallow, true, bandwidth),
                        new BlockJobObserver() {
                            @Override
                            public void onProgress(BlockJob job, BlockJobProgress p) {
                                progress.progress("copy " + disk, p.cur(), p.end(), null);
                            }
                        });
            } catch (RuntimeException e) {
                removeDest(created, e);
                throw Failures.of(e, domain);
            }
            Jobs.Copy copy = new Jobs.Copy(domain, disk, dest.toString(), cx.services().clock().instant(), bandwidth, w,
                    settled);
            if (!cx.jobs().copyStarted(copy)) {
                w.abort();
                throw new CommandFailure(ErrorCode.BUSY, "disk " + disk + " of " + domain + " already has a copy under way;"
                        + " wait for it ('virtchain job-list " + domain + "') or abort it", domain, disk, null, null, null);
            }
            try {
                return finish(copy, created, d, pivot, shallow, format);
            } finally {
                cx.jobs().copyEnded(domain, disk);
            }
        }
    }

    private JsonNode finish(Jobs.Copy copy, CreatedFile created, Disk d, boolean pivot, boolean shallow, String format)
            throws CommandFailure {
        String domain = copy.domain();
        String disk = copy.disk();
        Path dest = Path.of(copy.dest());
        BlockJobWatcher w = copy.watcher();
        BlockJobOutcome outcome;
        try {
            try {
                w.whenReady().get();
            } catch (ExecutionException e) {
                outcome = w.outcome().get();
                throw ended(copy, created, outcome);
            }
            outcome = (pivot ? w.pivot() : w.finish()).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            copy.settled().complete(false);
            throw new CommandFailure(ErrorCode.FAILED, "interrupted while copying " + disk + " of " + domain
                    + "; the job may still run: check 'virtchain job-list " + domain + "'", domain, disk, null,
                    dest.toString(), e);
        } catch (ExecutionException e) {
            copy.settled().complete(false);
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new CommandFailure(ErrorCode.FAILED, "the copy of " + disk + " of " + domain + " to " + dest
                    + " could not be " + (pivot ? "pivoted" : "finished") + ": " + cause.getMessage()
                    + "; the job may still run: check 'virtchain job-list " + domain + "'", domain, disk, null,
                    dest.toString(), cause);
        }
        if (outcome.state() != BlockJobState.COMPLETED) {
            throw ended(copy, created, outcome);
        }
        copy.settled().complete(false);
        if (pivot) {
            follow(domain, d, dest, shallow, format);
        }
        ObjectNode data = Shapes.operation(NAME, domain, "done");
        data.put("disk", disk);
        data.put("dest", dest.toString());
        data.put("pivoted", pivot);
        data.put("bytesCopied", copied(w));
        data.putArray("removed");
        data.putNull("plan");
        return data;
    }

    /** The job ended without doing its part (failed, or aborted with job-abort): the chain is as before. */
    private CommandFailure ended(Jobs.Copy copy, CreatedFile created, BlockJobOutcome outcome) {
        // Failed or canceled: the chain is as before and nothing uses DEST. Otherwise leave it for an operator.
        boolean asBefore = outcome.state() == BlockJobState.CANCELED || outcome.state() == BlockJobState.FAILED;
        boolean clean = asBefore && removeDest(created, null);
        copy.settled().complete(clean && outcome.state() == BlockJobState.CANCELED);
        return new CommandFailure(ErrorCode.FAILED, "the copy of " + copy.disk() + " of " + copy.domain() + " to "
                + copy.dest() + " ended " + outcome.state().name().toLowerCase(java.util.Locale.ROOT) + " ("
                + outcome.reason() + "); the domain keeps its chain" + (clean ? " and the partial copy was removed"
                : "; remove " + copy.dest() + " by hand"), copy.domain(), copy.disk(), null, copy.dest(), null);
    }

    /** Bytes the job copied: its final progress (QEMU's byte range of the copy). */
    private static long copied(BlockJobWatcher w) {
        return w.progress().map(BlockJobProgress::cur).orElse(0L);
    }

    /**
     * Records the pivot: a shallow copy replaces the active image, a full one the whole chain.
     * The domain already writes to DEST, so a ledger that cannot follow is reported loudly
     * (the next start's drift check sees it too).
     */
    private void follow(String domain, Disk before, Path dest, boolean shallow, String format) throws CommandFailure {
        StoredLedger stored = cx.services().book().byName(domain).orElseThrow();
        Ledger l = stored.ledger();
        Disk now = l.requireDisk(before.target());
        if (stored.operation().isPresent() || !now.equals(before)) {
            throw new CommandFailure(ErrorCode.FAILED, "disk " + before.target() + " of " + domain + " now uses "
                    + dest + ", but its ledger changed while the copy ran, so virtchain did not record the pivot;"
                    + " run 'virtchain adopt " + domain + "' to take the new chain in", domain, before.target(), null,
                    dest.toString(), null);
        }
        ImageFormat fmt = format.equals("raw") ? ImageFormat.RAW : ImageFormat.QCOW2;
        Disk replaced;
        if (shallow) {
            List<Image> images = new java.util.ArrayList<>(now.images().stream()
                    .filter(i -> !i.path().equals(now.active())).toList());
            images.add(new Image(dest.toString(), fmt, now.activeImage().backing()));
            replaced = new Disk(now.target(), images, dest.toString());
        } else {
            replaced = new Disk(now.target(), List.of(Image.base(dest.toString(), fmt)), dest.toString());
        }
        List<Disk> disks = l.disks().stream().map(x -> x.target().equals(now.target()) ? replaced : x).toList();
        Ledger next = new Ledger(l.schemaVersion(), l.domain(), disks, l.snapshots(), l.tombstones(), l.current(),
                l.nextImageSeq());
        List<String> problems = next.check();
        if (!problems.isEmpty()) {
            throw new CommandFailure(ErrorCode.FAILED, "disk " + before.target() + " of " + domain + " now uses "
                    + dest + ", but the ledger cannot record it (" + String.join("; ", problems) + "); run"
                    + " 'virtchain adopt " + domain + "'", domain, before.target(), null, dest.toString(), null);
        }
        try {
            // Saved only if the ledger is still the generation read above: a change made meanwhile
            // (adopt, another command) is not overwritten.
            cx.services().book().save(stored.with(next));
        } catch (StaleLedger e) {
            throw new CommandFailure(ErrorCode.FAILED, "disk " + before.target() + " of " + domain + " now uses "
                    + dest + ", but its ledger changed while the pivot was being recorded, so virtchain did not record"
                    + " it (" + e.getMessage() + "); run 'virtchain adopt " + domain + "' to take the new chain in",
                    domain, before.target(), null, dest.toString(), e);
        }
        log.info("{} {} now writes to {} (blockcopy pivot); the ledger follows", domain, before.target(), dest);
    }

    /** Everything that would leave the ledger unable to follow, refused before anything starts. */
    private void refuseUnsafe(String domain, String disk, Path dest, String format, boolean shallow, boolean pivot,
                              Ledger ledger, StoredLedger stored) throws CommandFailure {
        if (ledger.disks().stream().anyMatch(x -> x.contains(dest.toString()))) {
            throw refused(domain, disk, dest, dest + " is an image of " + domain + "; choose a new file");
        }
        if (stored.operation().isPresent() || cx.services().runner().active().stream()
                .anyMatch(a -> a.domain().equals(domain))) {
            throw new CommandFailure(ErrorCode.BUSY, "domain " + domain + " is busy with operation "
                    + stored.operation().map(o -> o.id() + " (" + o.description() + ")").orElse("under way")
                    + "; wait for it ('virtchain job-list " + domain + "')", domain, disk, null, null, null);
        }
        if (shallow && !format.equals("qcow2")) {
            throw refused(domain, disk, dest, "a shallow copy is an overlay on the disk's backing chain and must be"
                    + " qcow2; copy the whole chain (without --shallow) to get a raw image");
        }
        if (!pivot || shallow) {
            return;
        }
        List<String> holders = ledger.snapshots().stream().filter(s -> s.covers(disk)).map(s -> s.name()).toList();
        boolean tombstones = ledger.tombstones().stream().anyMatch(t -> t.disk().equals(disk));
        if (!holders.isEmpty() || tombstones) {
            throw refused(domain, disk, dest, "disk " + disk + " of " + domain + " holds "
                    + (holders.isEmpty() ? "tombstoned images" : "snapshots " + String.join(", ", holders))
                    + "; after a pivot to a full copy they would no longer be below the image the guest writes,"
                    + " and the ledger could not say where those points in time live; copy with --shallow"
                    + " --pivot (keeps them below the copy), or without --pivot, or delete them first");
        }
    }

    private static CommandFailure refused(String domain, String disk, Path dest, String message) {
        return new CommandFailure(ErrorCode.REFUSED, message, domain, disk, null, dest.toString(), null);
    }

    /**
     * Removes a copy's destination that no chain uses, if it is still the file the daemon created;
     * true when it is gone.
     */
    private static boolean removeDest(CreatedFile dest, Exception onto) {
        try {
            return dest.deleteIfOurs();
        } catch (IOException e) {
            if (onto != null) {
                onto.addSuppressed(e);
            }
            return false;
        }
    }
}
