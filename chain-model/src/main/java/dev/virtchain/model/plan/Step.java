package dev.virtchain.model.plan;

import dev.virtchain.model.Image;
import dev.virtchain.model.ImageFormat;
import dev.virtchain.model.Ledger;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One step of a {@link Plan}. Each names the disk and files it touches, its estimated bytes and
 * the directory those bytes land in, and what the chains look like once it has happened.
 *
 * <p>"Live" steps are libvirt block jobs on the running domain's open chain; "offline" steps are
 * {@code qemu-img} runs on images QEMU does not have open (the domain is shut off, or the image is
 * on a branch the running chain does not include).
 */
public sealed interface Step {

    /**
     * Exhaustive dispatch over the step kinds (Java 17 has no pattern {@code switch}): adding a
     * step kind breaks every visitor until it handles it.
     */
    interface Visitor<R> {
        R createOverlay(CreateOverlay s);

        R takeSnapshot(TakeSnapshot s);

        R blockCommit(BlockCommit s);

        R pivot(Pivot s);

        R blockPull(BlockPull s);

        R offlineRebase(OfflineRebase s);

        R offlineCommit(OfflineCommit s);

        R convert(Convert s);

        R convertDiff(ConvertDiff s);

        R setDiskSource(SetDiskSource s);

        R stopDomain(StopDomain s);

        R startDomain(StartDomain s);

        R defineClone(DefineClone s);

        R unlink(Unlink s);

        R updateLedger(UpdateLedger s);

        R createCopyTarget(CreateCopyTarget s);

        R blockCopy(BlockCopy s);

        R finishCopy(FinishCopy s);
    }

    <R> R accept(Visitor<R> visitor);

    /** Bytes this step copies (estimated from the allocation facts). */
    default long estimatedBytes() {
        return 0;
    }

    /** The directory this step writes into, or null if it writes no image data. */
    default String directory() {
        return null;
    }

    /** What the live truth shows after this step. */
    Expectation expected();

    /** The disk this step works on; null for a step on the whole domain (snapshot, stop, start, define, ledger). */
    String disk();

    /** What the executor needs to know of a step beyond its fields; one case per kind ({@link #TRAITS}). */
    default Traits traits() {
        return accept(TRAITS);
    }

    /**
     * @param creates     the file the step makes, which undoing it removes: an overlay, an export, a copy target
     * @param movesChains whether the step can change what a disk's chain is (a rollback is then unsafe)
     * @param merge       the kind of merge the step is, for the byte counts; empty for steps that move no
     *                    guest data between layers
     * @param job         the libvirt block job the step starts or ends ({@code commit}, {@code active-commit},
     *                    {@code pull}, {@code copy}): one a failure may leave running; empty for the others
     */
    record Traits(java.util.Optional<String> creates, boolean movesChains, java.util.Optional<String> merge,
                  java.util.Optional<String> job) {
        static Traits of(String creates, boolean movesChains, String merge) {
            return new Traits(java.util.Optional.ofNullable(creates), movesChains, java.util.Optional.ofNullable(merge),
                    java.util.Optional.empty());
        }

        Traits job(String kind) {
            return new Traits(creates, movesChains, merge, java.util.Optional.of(kind));
        }
    }

    /** The traits of every step kind: a new kind does not compile until it has a line here. */
    Visitor<Traits> TRAITS = new Visitor<>() {
        @Override
        public Traits createOverlay(CreateOverlay s) {
            return Traits.of(s.path(), false, null);
        }

        @Override
        public Traits takeSnapshot(TakeSnapshot s) {
            return Traits.of(null, true, null);
        }

        @Override
        public Traits blockCommit(BlockCommit s) {
            return Traits.of(null, true, s.active() ? "active-commit" : "commit").job(s.active() ? "active-commit" : "commit");
        }

        @Override
        public Traits pivot(Pivot s) {
            return Traits.of(null, true, null).job("active-commit");
        }

        @Override
        public Traits blockPull(BlockPull s) {
            return Traits.of(null, true, "pull").job("pull");
        }

        @Override
        public Traits offlineRebase(OfflineRebase s) {
            return Traits.of(null, true, "offline-rebase");
        }

        @Override
        public Traits offlineCommit(OfflineCommit s) {
            return Traits.of(null, true, "offline-commit");
        }

        @Override
        public Traits convert(Convert s) {
            return Traits.of(s.dest(), false, null);
        }

        @Override
        public Traits convertDiff(ConvertDiff s) {
            return Traits.of(s.dest(), false, null);
        }

        @Override
        public Traits setDiskSource(SetDiskSource s) {
            return Traits.of(null, true, null);
        }

        @Override
        public Traits stopDomain(StopDomain s) {
            return Traits.of(null, true, null);
        }

        @Override
        public Traits startDomain(StartDomain s) {
            return Traits.of(null, true, null);
        }

        @Override
        public Traits defineClone(DefineClone s) {
            return Traits.of(null, true, null);
        }

        @Override
        public Traits unlink(Unlink s) {
            return Traits.of(null, false, null);
        }

        @Override
        public Traits updateLedger(UpdateLedger s) {
            return Traits.of(null, true, null);
        }

        @Override
        public Traits createCopyTarget(CreateCopyTarget s) {
            return Traits.of(s.path(), false, null);
        }

        @Override
        public Traits blockCopy(BlockCopy s) {
            return Traits.of(null, false, null).job("copy");
        }

        @Override
        public Traits finishCopy(FinishCopy s) {
            return Traits.of(null, s.pivot(), null).job("copy");
        }
    };

    /** Whether {@code observed} shows that this step has already happened. */
    default boolean done(ObservedChains observed) {
        return expected().matches(observed);
    }

    /**
     * The overlay {@code qemu-img create -f qcow2 -F backingFormat -b <backing relative to path> path}
     * makes. The executor refuses if {@code path} exists: names are never reused.
     */
    record CreateOverlay(String disk, String path, String backing, ImageFormat backingFormat) implements Step {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.createOverlay(this);
        }

        @Override
        public String directory() {
            return Image.directoryOf(path);
        }

        @Override
        public Expectation expected() {
            return Expectation.backing(path, backing);
        }
    }

    /**
     * One {@code snapshotCreateXML(DISK_ONLY|NO_METADATA|REUSE_EXT|ATOMIC[|QUIESCE])} call
     * switching every listed disk to its pre-created overlay.
     *
     * @param chainsAfter per disk, the active chain afterwards
     */
    record TakeSnapshot(String snapshot, Map<String, String> overlays, QuiesceMode quiesce,
                        Map<String, List<String>> chainsAfter) implements Step {
        @Override
        public String disk() {
            return null;
        }

        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.takeSnapshot(this);
        }

        public TakeSnapshot {
            overlays = Map.copyOf(new TreeMap<>(overlays));
            chainsAfter = Map.copyOf(chainsAfter);
        }

        @Override
        public Expectation expected() {
            return new Expectation(chainsAfter, Map.of(), java.util.Set.of());
        }
    }

    /**
     * Live {@code blockCommit(disk, base, top, SHALLOW|RELATIVE[|ACTIVE])}: data of the images above
     * {@code base} up to {@code top} is written into {@code base}. With {@code active} the job
     * ends READY and the following {@link Pivot} switches the guest to {@code base}.
     *
     * @param chainAfter the active chain once the commit (and its pivot) is done
     */
    record BlockCommit(String disk, String top, String base, boolean active, long estimatedBytes,
                       String directory, List<String> chainAfter) implements Step {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.blockCommit(this);
        }

        public BlockCommit {
            chainAfter = List.copyOf(chainAfter);
        }

        @Override
        public Expectation expected() {
            return Expectation.chain(disk, chainAfter);
        }
    }

    /** Pivot a READY active commit: {@code newActive} becomes the image the guest writes. */
    record Pivot(String disk, String newActive, List<String> chainAfter) implements Step {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.pivot(this);
        }

        public Pivot {
            chainAfter = List.copyOf(chainAfter);
        }

        @Override
        public Expectation expected() {
            return Expectation.chain(disk, chainAfter);
        }
    }

    /**
     * Live {@code blockRebase(disk, base, RELATIVE)} into the active image {@code image}: data of
     * the images between {@code base} (null: all) and {@code image} is copied into {@code image}.
     */
    record BlockPull(String disk, String image, String base, long estimatedBytes, String directory,
                     List<String> chainAfter) implements Step {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.blockPull(this);
        }

        public BlockPull {
            chainAfter = List.copyOf(chainAfter);
        }

        @Override
        public Expectation expected() {
            return Expectation.chain(disk, chainAfter);
        }
    }

    /**
     * {@code qemu-img rebase [-u] -F fmt -b <newBacking relative> image}; {@code safe} copies the
     * data that differs (a pull into any image), unsafe only rewrites the pointer (used after a
     * commit moved exactly that data). {@code newBacking} null means no backing.
     */
    record OfflineRebase(String disk, String image, String newBacking, boolean safe, long estimatedBytes,
                         String directory) implements Step {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.offlineRebase(this);
        }

        @Override
        public Expectation expected() {
            return Expectation.backing(image, newBacking);
        }
    }

    /**
     * {@code qemu-img commit -d -b base top}: data of the images above {@code base} up to
     * {@code top} is written into {@code base}. Leaves no trace in backing pointers; the following
     * rebase or disk-source step is the evidence, and repeating the commit is harmless.
     */
    record OfflineCommit(String disk, String top, String base, long estimatedBytes, String directory)
            implements Step {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.offlineCommit(this);
        }

        @Override
        public Expectation expected() {
            return Expectation.NONE;
        }
    }

    /**
     * {@code qemu-img convert -U -O qcow2 source dest}: a standalone copy of source's view. The
     * estimate counts allocated data; convert skips clusters that read as zero, so it may copy less.
     */
    record Convert(String disk, String source, String dest, long estimatedBytes) implements Step {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.convert(this);
        }

        @Override
        public String directory() {
            return Image.directoryOf(dest);
        }

        @Override
        public Expectation expected() {
            return Expectation.backing(dest, null);
        }
    }

    /**
     * {@code qemu-img convert -U -O qcow2 -B backing source dest}: only what source's view adds to
     * {@code backing}'s.
     */
    record ConvertDiff(String disk, String source, String backing, String dest, long estimatedBytes)
            implements Step {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.convertDiff(this);
        }

        @Override
        public String directory() {
            return Image.directoryOf(dest);
        }

        @Override
        public Expectation expected() {
            return Expectation.backing(dest, backing);
        }
    }

    /** Offline change of a disk's source in the persistent definition ({@code defineXML}). */
    record SetDiskSource(String disk, String path, List<String> chainAfter) implements Step {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.setDiskSource(this);
        }

        public SetDiskSource {
            chainAfter = List.copyOf(chainAfter);
        }

        @Override
        public Expectation expected() {
            return Expectation.chain(disk, chainAfter);
        }
    }

    /** Shut the domain down (then destroy it if it does not stop); a stopped domain is left alone. */
    /**
     * Stop a running domain before its disks change: with {@code shutdownSeconds} 0 pull the plug
     * (virsh destroy); otherwise ask the guest to shut down (guest agent, else ACPI) and wait that
     * long for it to be off.
     */
    record StopDomain(int shutdownSeconds) implements Step {
        @Override
        public String disk() {
            return null;
        }

        public StopDomain() {
            this(0);
        }

        public StopDomain {
            if (shutdownSeconds < 0) {
                throw new IllegalArgumentException("shutdown time-out must be 0 or more seconds, not " + shutdownSeconds);
            }
        }

        public boolean graceful() {
            return shutdownSeconds > 0;
        }

        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.stopDomain(this);
        }

        @Override
        public Expectation expected() {
            return Expectation.NONE;
        }
    }

    /** Start the domain; a running domain is left alone. */
    record StartDomain() implements Step {
        @Override
        public String disk() {
            return null;
        }

        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.startDomain(this);
        }

        @Override
        public Expectation expected() {
            return Expectation.NONE;
        }
    }

    /**
     * Define a new domain from this one's definition with a new name, UUID and MAC addresses and
     * {@code disks} (target to overlay path) as its disk sources, and {@code uuid} as its UUID
     * (null: the step chooses one; recorded operations from before the UUID was kept have none).
     */
    record DefineClone(String newDomain, Map<String, String> disks, java.util.UUID uuid) implements Step {
        @Override
        public String disk() {
            return null;
        }

        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.defineClone(this);
        }

        public DefineClone {
            disks = Map.copyOf(new TreeMap<>(disks));
        }

        public DefineClone(String newDomain, Map<String, String> disks) {
            this(newDomain, disks, null);
        }

        @Override
        public Expectation expected() {
            return Expectation.NONE;
        }
    }

    /**
     * Delete a file that the ledger no longer names. The executor first re-reads the domain XML and
     * refuses if the file is still in a chain.
     */
    record Unlink(String disk, String path) implements Step {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.unlink(this);
        }

        @Override
        public Expectation expected() {
            return Expectation.absent(path);
        }
    }

    /** Persist this ledger: from here on it is the truth about points in time. */
    record UpdateLedger(Ledger ledger) implements Step {
        @Override
        public String disk() {
            return null;
        }

        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.updateLedger(this);
        }

        public UpdateLedger {
            Objects.requireNonNull(ledger, "ledger");
        }

        @Override
        public Expectation expected() {
            return Expectation.NONE;
        }
    }

    /**
     * Creates a block copy's destination, exclusively and owned by the daemon, for libvirt to reuse
     * ({@code REUSE_EXT}): with {@code backing} a qcow2 overlay on it (a shallow copy), otherwise an
     * empty image of {@code format} as large as {@code source}'s guest-visible size. Nothing uses
     * the file yet, so running the step again replaces what an interrupted run left.
     */
    record CreateCopyTarget(String disk, String path, ImageFormat format, String backing, ImageFormat backingFormat,
                            String source) implements Step {
        public CreateCopyTarget {
            Objects.requireNonNull(format, "format");
            if ((backing == null) != (backingFormat == null)) {
                throw new IllegalArgumentException("a copy target's backing and backing format come together");
            }
        }

        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.createCopyTarget(this);
        }

        @Override
        public String directory() {
            return Image.directoryOf(path);
        }

        @Override
        public Expectation expected() {
            return Expectation.NONE;
        }
    }

    /**
     * Live {@code blockCopy(disk, dest, REUSE_EXT[|SHALLOW])} until the copy is in sync (READY):
     * from then on QEMU mirrors every guest write to {@code dest} too, until {@link FinishCopy}.
     * Leaves the chains alone; a job lost to a crash is simply started again.
     */
    record BlockCopy(String disk, String dest, ImageFormat format, boolean shallow, long estimatedBytes)
            implements Step {
        public BlockCopy {
            Objects.requireNonNull(format, "format");
        }

        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.blockCopy(this);
        }

        @Override
        public String directory() {
            return Image.directoryOf(dest);
        }

        @Override
        public Expectation expected() {
            return Expectation.NONE;
        }
    }

    /**
     * Ends an in-sync block copy: with {@code pivot} the guest switches to {@code dest}
     * ({@code chainAfter} is then the disk's active chain); without it the job is completed and
     * {@code dest} keeps the disk as of that moment while the guest stays on its chain.
     */
    record FinishCopy(String disk, String dest, boolean pivot, List<String> chainAfter) implements Step {
        public FinishCopy {
            chainAfter = List.copyOf(chainAfter);
        }

        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.finishCopy(this);
        }

        @Override
        public Expectation expected() {
            return pivot ? Expectation.chain(disk, chainAfter) : Expectation.NONE;
        }
    }
}
