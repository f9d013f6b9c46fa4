package dev.virtchain.model.sim;

import dev.virtchain.model.sim.RefusedOperationException.Reason;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The image files of one host and the QEMU operations on them, at cluster granularity.
 *
 * <p>Every operation validates everything before it changes anything, so a refused operation
 * ({@link RefusedOperationException}) leaves the host as it was. Operations that copy data
 * return the bytes they copied (clusters written times {@link #clusterSize()}), add them to
 * the host's counters and append an {@link Operation} to its log. The matching
 * {@code bytes…WouldCopy} queries compute exactly the same writes without doing them.
 *
 * <p>Not thread-safe. {@link #fork()} is cheap (cluster maps are shared copy-on-write), so a
 * test can try every candidate plan on its own fork and compare what each cost.
 */
public final class SimulatedHost {

    public static final int DEFAULT_CLUSTER_SIZE = 64 * 1024;

    private static final int MIN_CLUSTER_SIZE = 512;
    private static final int MAX_CLUSTER_SIZE = 2 * 1024 * 1024;

    private final int clusterSize;
    private final TreeMap<String, Image> images = new TreeMap<>();
    /** Paths of unlinked images: never handed out again, as the design requires. */
    private final Set<String> unlinked;
    /** Images a guest writes to. */
    private final TreeSet<String> guestImages;
    private final List<Operation> log = new ArrayList<>();
    private final Map<Class<? extends Operation>, Long> copiedByKind = new HashMap<>();
    private long copied;

    /** An empty host with 64 KiB clusters, qcow2's default. */
    public SimulatedHost() {
        this(DEFAULT_CLUSTER_SIZE);
    }

    /** An empty host whose images all use {@code clusterSize} (a power of two, 512 B–2 MiB). */
    public SimulatedHost(int clusterSize) {
        if (Integer.bitCount(clusterSize) != 1
                || clusterSize < MIN_CLUSTER_SIZE || clusterSize > MAX_CLUSTER_SIZE) {
            throw new IllegalArgumentException("cluster size must be a power of two from "
                    + MIN_CLUSTER_SIZE + " to " + MAX_CLUSTER_SIZE + ", was " + clusterSize);
        }
        this.clusterSize = clusterSize;
        this.unlinked = new HashSet<>();
        this.guestImages = new TreeSet<>();
    }

    /**
     * A copy of {@code other}'s images, active images and used names. Accounting starts afresh:
     * the copy's log and counters show only what is done to the copy.
     */
    public SimulatedHost(SimulatedHost other) {
        this.clusterSize = other.clusterSize;
        other.images.forEach((path, image) -> images.put(path, image.fork()));
        this.unlinked = new HashSet<>(other.unlinked);
        this.guestImages = new TreeSet<>(other.guestImages);
    }

    /** Same as {@link #SimulatedHost(SimulatedHost) new SimulatedHost(this)}. */
    public SimulatedHost fork() {
        return new SimulatedHost(this);
    }

    public int clusterSize() {
        return clusterSize;
    }

    // ---------------------------------------------------------------- files

    /** {@code qemu-img create -f FORMAT PATH SIZE}: an empty image with no backing. */
    public void createBase(String path, ImageFormat format, long virtualSize) {
        requireNewName(path);
        int clusters = clusterCount(path, virtualSize);
        images.put(path, new Image(path, format, virtualSize, clusters, null));
        record(new Operation.Create(path, format, virtualSize, null));
    }

    /**
     * {@code qemu-img create -f qcow2 -b BACKING PATH}: an empty overlay that shows exactly
     * what {@code backing} shows, with its virtual size.
     */
    public void createOverlay(String path, String backing) {
        Image below = require(backing);
        requireNewName(path);
        images.put(path, new Image(path, ImageFormat.QCOW2, below.virtualSize,
                below.clusterCount, backing));
        record(new Operation.Create(path, ImageFormat.QCOW2, below.virtualSize, backing));
    }

    /**
     * Removes the file. Refused while another image has it as backing or a guest writes to it:
     * on a real host either would lose data.
     */
    public void unlink(String path) {
        require(path);
        if (guestImages.contains(path)) {
            throw refused(path, Reason.ACTIVE,
                    "cannot unlink %s: a guest still writes to it", path);
        }
        for (Image image : images.values()) {
            if (path.equals(image.backing)) {
                throw refused(path, Reason.STILL_BACKING,
                        "cannot unlink %s: %s still uses it as backing", path, image.path);
            }
        }
        images.remove(path);
        unlinked.add(path);
        record(new Operation.Unlink(path));
    }

    public boolean exists(String path) {
        return images.containsKey(path);
    }

    /** {@code qemu-img info PATH}. */
    public ImageInfo info(String path) {
        return require(path).info();
    }

    /** {@code qemu-img info --backing-chain}: {@code path} first, the bottom image last. */
    public List<String> chain(String path) {
        List<String> paths = new ArrayList<>();
        for (Image image : chainOf(require(path))) {
            paths.add(image.path);
        }
        return List.copyOf(paths);
    }

    /** Every existing image, sorted. */
    public SortedSet<String> images() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(images.keySet()));
    }

    /** The images whose backing is {@code path}, sorted. */
    public SortedSet<String> childrenOf(String path) {
        require(path);
        TreeSet<String> children = new TreeSet<>();
        for (Image image : images.values()) {
            if (path.equals(image.backing)) {
                children.add(image.path);
            }
        }
        return Collections.unmodifiableSortedSet(children);
    }

    // ---------------------------------------------------------------- the guest

    /** A guest starts writing to {@code path} (a domain starts with it as a disk). */
    public void activate(String path) {
        require(path);
        requireNotActive(path);
        guestImages.add(path);
        record(new Operation.Activate(path));
    }

    /** The guest writing to {@code path} stops (the domain shuts off). */
    public void deactivate(String path) {
        requireActive(path);
        guestImages.remove(path);
        record(new Operation.Deactivate(path));
    }

    public boolean isActive(String path) {
        return guestImages.contains(path);
    }

    /** The images guests write to, sorted. */
    public SortedSet<String> activeImages() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(guestImages));
    }

    /**
     * Writes {@code token} into every cluster the byte range touches, allocating them in
     * {@code path}. Normally the guest writes its active image; writing any other image is
     * allowed (qemu-io can), and shows in every view built on it.
     *
     * @return the bytes of the clusters written
     */
    public long write(String path, long offset, long length, long token) {
        Image image = require(path);
        if (offset < 0 || length <= 0 || offset > image.virtualSize - length) {
            throw refused(path, Reason.OUT_OF_RANGE,
                    "cannot write %s bytes at offset %s into %s: its virtual size is %s",
                    length, offset, path, image.virtualSize);
        }
        int first = (int) (offset / clusterSize);
        int last = (int) ((offset + length - 1) / clusterSize);
        ClusterMap clusters = image.writableClusters();
        for (int c = first; c <= last; c++) {
            clusters.put(c, token);
        }
        long bytes = bytes(last - first + 1);
        record(new Operation.Write(path, offset, length, token, bytes));
        return bytes;
    }

    /**
     * Moves the guest's writes from {@code from} to {@code to}, as libvirt's pivot after a
     * block job or its switch to a new overlay when taking a snapshot. QEMU pivots only once
     * the target is in sync, so a target that does not show what the guest sees is refused.
     */
    public void pivot(String from, String to) {
        requireActive(from);
        require(to);
        requireNotActive(to);
        if (!sameView(from, to)) {
            throw refused(to, Reason.VIEWS_DIFFER,
                    "cannot pivot from %s to %s: %s does not show what the guest sees",
                    from, to, to);
        }
        guestImages.remove(from);
        guestImages.add(to);
        record(new Operation.Pivot(from, to));
    }

    // ---------------------------------------------------------------- block jobs, qemu-img

    /**
     * Block commit of {@code top} (and every image between it and {@code base}) into
     * {@code base}: shallow when {@code base} is top's backing. Every cluster allocated from
     * {@code top} down to, not including, {@code base} is written into {@code base} with the
     * value {@code top} shows. Then every image backed by {@code top} is rebased onto
     * {@code base} by pointer, which keeps what they show. The images between stay on disk,
     * unchanged but out of the chain.
     *
     * <p>Images that depend on {@code base} or on an image between, other than through
     * {@code top}, now show different data: the simulator makes that hazard visible rather
     * than refusing it.
     *
     * @return bytes written into {@code base}
     */
    public long commit(String top, String base) {
        return commit(top, base, List.copyOf(childrenOf(top)));
    }

    /**
     * As {@link #commit(String, String)}, but only {@code overlay} (which must be backed by
     * {@code top}) is rebased onto {@code base}; other children of {@code top} keep it as
     * backing. This is what libvirt does: it rewrites only the overlay in the disk's chain.
     */
    public long commit(String top, String base, String overlay) {
        Image child = require(overlay);
        require(top);
        if (!top.equals(child.backing)) {
            throw refused(overlay, Reason.NOT_A_CHILD,
                    "cannot rewrite %s after committing %s: its backing is %s, not %s",
                    overlay, top, child.backing, top);
        }
        return commit(top, base, List.of(overlay));
    }

    /**
     * {@code qemu-img commit}, and the mirror phase of an active commit before its pivot: the
     * clusters allocated from {@code top} down to, not including, {@code base} are written into
     * {@code base}, and no image's backing changes (overlays of {@code top} still name it).
     *
     * @return bytes written into {@code base}
     */
    public long commitInto(String top, String base) {
        require(top);
        require(base);
        return commit(top, base, List.of());
    }

    private long commit(String top, String base, List<String> rewrite) {
        ClusterMap writes = commitWrites(top, base);
        apply(images.get(base), writes);
        for (String child : rewrite) {
            images.get(child).backing = base;
        }
        return record(new Operation.Commit(top, base, rewrite, bytes(writes.size())));
    }

    /**
     * Active block commit of the image a guest writes to, then the pivot: the data is copied
     * as by {@link #commit(String, String)} and the guest writes to {@code base} from now on.
     * {@code active} stays on disk, out of the chain.
     *
     * @return bytes written into {@code base}
     */
    public long activeCommit(String active, String base) {
        requireActive(active);
        ClusterMap writes = commitWrites(active, base);
        requireNotActive(base);
        apply(images.get(base), writes);
        guestImages.remove(active);
        guestImages.add(base);
        return record(new Operation.ActiveCommit(active, base, bytes(writes.size())));
    }

    /**
     * Block stream ({@code virDomainBlockRebase(image, base)}, or {@code virsh blockpull}):
     * every cluster not allocated in {@code image} but allocated between its backing and
     * {@code base} (exclusive) is copied into it, and its backing becomes {@code base}.
     * {@code base} null pulls the whole chain, bottom image included, and leaves no backing.
     *
     * @return bytes written into {@code image}
     */
    public long pull(String image, String base) {
        ClusterMap writes = pullWrites(image, base);
        Image into = images.get(image);
        String oldBacking = into.backing;
        apply(into, writes);
        into.backing = base;
        return record(new Operation.Pull(image, oldBacking, base, bytes(writes.size())));
    }

    /**
     * Block copy (drive-mirror) of {@code source} into a new qcow2 image {@code dest}. Full:
     * every cluster allocated anywhere in source's chain, and no backing. Shallow: the clusters
     * allocated in {@code source} itself, on source's backing. Either way {@code dest} shows
     * what {@code source} shows; follow with {@link #pivot} to move the guest.
     *
     * @return bytes written into {@code dest}
     */
    public long copy(String source, String dest, boolean shallow) {
        Image from = require(source);
        requireNewName(dest);
        List<Image> layers = shallow ? List.of(from) : chainOf(from);
        long bytes = createFilled(dest, ImageFormat.QCOW2, from, shallow ? from.backing : null,
                Layers.allocatedIn(layers, null));
        return record(new Operation.Copy(source, dest, shallow, bytes));
    }

    /**
     * {@code qemu-img rebase -b NEW IMAGE} (safe mode): for every cluster not allocated in
     * {@code image} where the old backing chain and the new one read differently, the old
     * value is written into {@code image}; then its backing becomes {@code newBacking}
     * (null: no backing). What {@code image} shows is unchanged.
     *
     * @return bytes written into {@code image}
     */
    public long rebaseSafe(String image, String newBacking) {
        ClusterMap writes = rebaseWrites(image, newBacking);
        Image target = images.get(image);
        String oldBacking = target.backing;
        apply(target, writes);
        target.backing = newBacking;
        return record(new Operation.Rebase(image, oldBacking, newBacking, true,
                bytes(writes.size())));
    }

    /**
     * {@code qemu-img rebase -u -b NEW IMAGE}: rewrites the backing pointer only. What
     * {@code image} and its overlays show changes wherever the two backing chains differ.
     *
     * @return 0
     */
    public long rebaseUnsafe(String image, String newBacking) {
        Image target = requireRebasable(image, newBacking);
        String oldBacking = target.backing;
        target.backing = newBacking;
        return record(new Operation.Rebase(image, oldBacking, newBacking, false, 0));
    }

    /**
     * {@code qemu-img convert -O FORMAT SOURCE DEST}: a standalone image showing what
     * {@code source} shows. Like qemu-img, only clusters that read as non-zero are written.
     *
     * @return bytes written into {@code dest}
     */
    public long convert(String source, String dest, ImageFormat format) {
        Image from = require(source);
        requireNewName(dest);
        ClusterMap writes = new ClusterMap();
        Layers.contents(chainOf(from)).forEach((c, token) -> {
            if (token != 0) {
                writes.put(c, token);
            }
        });
        long bytes = createFilled(dest, format, from, null, writes);
        return record(new Operation.Convert(source, null, dest, format, bytes));
    }

    /**
     * A diff export: a new qcow2 image {@code dest} backed by {@code base} holding exactly the
     * clusters where {@code source} and {@code base} read differently, so that {@code dest}
     * shows what {@code source} shows. This is the result {@code qemu-img convert -B} is used
     * for; see the package notes for how the real tool decides what to copy.
     *
     * @return bytes written into {@code dest}
     */
    public long convertDiff(String source, String base, String dest) {
        Image from = require(source);
        Image under = require(base);
        requireSameSize(from, under);
        requireNewName(dest);
        ClusterMap writes = new ClusterMap();
        Layers.forEachDifference(chainOf(from), chainOf(under),
                (c, inSource, inBase) -> writes.put(c, inSource));
        long bytes = createFilled(dest, ImageFormat.QCOW2, from, base, writes);
        return record(new Operation.Convert(source, base, dest, ImageFormat.QCOW2, bytes));
    }

    // ---------------------------------------------------------------- accounting

    /**
     * Bytes allocated in {@code image} itself, depth 0 in {@code qemu-img map}: what
     * committing it costs. A raw image allocates its whole virtual size.
     */
    public long allocatedBytes(String image) {
        Image i = require(image);
        return i.allocatesEverything() ? i.virtualSize : bytes(i.clusters().size());
    }

    /**
     * Bytes by the depth at which {@code qemu-img map} finds them, index 0 being
     * {@code image} itself: depth 1 is what pulling the backing image into {@code image}
     * costs. Clusters no image of the chain allocates are in no depth.
     */
    public long[] bytesByDepth(String image) {
        long[] clusters = Layers.clustersByDepth(chainOf(require(image)));
        for (int depth = 0; depth < clusters.length; depth++) {
            clusters[depth] = bytes(clusters[depth]);
        }
        return clusters;
    }

    /** What {@link #commit(String, String) commit(top, base)} would copy now. */
    public long bytesCommitWouldCopy(String top, String base) {
        return bytes(commitWrites(top, base).size());
    }

    /** What {@link #pull(String, String) pull(image, base)} would copy now. */
    public long bytesPullWouldCopy(String image, String base) {
        return bytes(pullWrites(image, base).size());
    }

    /** What {@link #rebaseSafe(String, String) rebaseSafe(image, newBacking)} would copy now. */
    public long bytesRebaseWouldCopy(String image, String newBacking) {
        return bytes(rebaseWrites(image, newBacking).size());
    }

    /** What a guest reading {@code path} sees. */
    public View view(String path) {
        Image image = require(path);
        return View.of(image.virtualSize, clusterSize, Layers.contents(chainOf(image)));
    }

    /** {@link View#digest()} of {@link #view(String) view(path)}. */
    public String viewDigest(String path) {
        return view(path).digest();
    }

    /**
     * Whether {@code a} and {@code b} show the same data. Cheaper than comparing
     * {@link #view views} when the two chains share their lower part.
     */
    public boolean sameView(String a, String b) {
        Image first = require(a);
        Image second = require(b);
        if (first.virtualSize != second.virtualSize) {
            return false;
        }
        boolean[] differ = {false};
        Layers.forEachDifference(chainOf(first), chainOf(second), (c, x, y) -> differ[0] = true);
        return !differ[0];
    }

    /** Bytes copied by every operation since this host was created or forked. */
    public long bytesCopied() {
        return copied;
    }

    /** Bytes copied by operations of one kind, e.g. {@code Operation.Pull.class}. */
    public long bytesCopied(Class<? extends Operation> kind) {
        return copiedByKind.getOrDefault(kind, 0L);
    }

    /** Every operation since this host was created or forked, oldest first. */
    public List<Operation> log() {
        return Collections.unmodifiableList(log);
    }

    // ---------------------------------------------------------------- invariants

    /**
     * Throws {@link IllegalStateException} if the host is in a state no sequence of
     * operations should reach: a missing backing image, a loop, a raw overlay, sizes that
     * differ along a chain, or an active image that does not exist.
     */
    void checkInvariants() {
        for (Image image : images.values()) {
            if (image.backing != null) {
                Image below = images.get(image.backing);
                if (below == null) {
                    throw new IllegalStateException(image.path + " is backed by missing "
                            + image.backing);
                }
                if (image.format == ImageFormat.RAW) {
                    throw new IllegalStateException("raw " + image.path + " has a backing");
                }
                if (below.virtualSize != image.virtualSize) {
                    throw new IllegalStateException(image.path + " and its backing "
                            + below.path + " differ in size");
                }
            }
            chainOf(image);
        }
        for (String path : guestImages) {
            if (!images.containsKey(path)) {
                throw new IllegalStateException("active image " + path + " does not exist");
            }
        }
    }

    // ---------------------------------------------------------------- planning the writes

    private ClusterMap commitWrites(String top, String base) {
        return Layers.allocatedIn(layersAbove(require(top), require(base), "commit " + top + " into"), null);
    }

    private ClusterMap pullWrites(String image, String base) {
        Image into = require(image);
        List<Image> layers;
        if (base == null) {
            List<Image> chain = chainOf(into);
            layers = chain.subList(1, chain.size());
        } else {
            List<Image> above = layersAbove(into, require(base), "pull into " + image + " from above");
            layers = above.subList(1, above.size());
        }
        return Layers.allocatedIn(layers, into.clusters());
    }

    private ClusterMap rebaseWrites(String image, String newBacking) {
        Image target = requireRebasable(image, newBacking);
        List<Image> oldChain =
                target.backing == null ? List.of() : chainOf(images.get(target.backing));
        List<Image> newChain =
                newBacking == null ? List.of() : chainOf(images.get(newBacking));
        ClusterMap own = target.clusters();
        ClusterMap writes = new ClusterMap();
        Layers.forEachDifference(oldChain, newChain, (c, before, after) -> {
            if (!own.contains(c)) {
                writes.put(c, before);
            }
        });
        return writes;
    }

    // ---------------------------------------------------------------- helpers

    /** {@code top} and every image below it, down to but not including {@code base}. */
    private List<Image> layersAbove(Image top, Image base, String action) {
        List<Image> chain = chainOf(top);
        int at = chain.indexOf(base);
        if (at <= 0) {
            throw refused(base.path, Reason.NOT_IN_CHAIN,
                    "cannot %s %s: %s is not below %s in its chain %s",
                    action, base.path, base.path, top.path, describe(chain));
        }
        return chain.subList(0, at);
    }

    /** {@code image} and its backing images, topmost first. */
    private List<Image> chainOf(Image image) {
        List<Image> chain = new ArrayList<>();
        for (Image i = image; i != null; i = i.backing == null ? null : images.get(i.backing)) {
            if (chain.size() > images.size()) {
                throw new IllegalStateException("backing loop through " + image.path);
            }
            chain.add(i);
        }
        return chain;
    }

    private Image requireRebasable(String image, String newBacking) {
        Image target = require(image);
        if (target.format == ImageFormat.RAW) {
            throw refused(image, Reason.RAW_HAS_NO_BACKING,
                    "cannot rebase %s: a raw image has no backing file", image);
        }
        if (newBacking != null) {
            Image below = require(newBacking);
            requireSameSize(target, below);
            for (Image i : chainOf(below)) {
                if (i == target) {
                    throw refused(image, Reason.BACKING_LOOP,
                            "cannot rebase %s onto %s: %s is in the chain %s",
                            image, newBacking, image, describe(chainOf(below)));
                }
            }
        }
        return target;
    }

    private void requireSameSize(Image a, Image b) {
        if (a.virtualSize != b.virtualSize) {
            throw refused(b.path, Reason.SIZE_MISMATCH,
                    "%s is %s bytes but %s is %s bytes; resizing is not simulated",
                    a.path, a.virtualSize, b.path, b.virtualSize);
        }
    }

    private Image require(String path) {
        Image image = path == null ? null : images.get(path);
        if (image == null) {
            throw refused(path, Reason.NO_SUCH_IMAGE, unlinked.contains(path)
                    ? "%s was unlinked" : "%s does not exist", path);
        }
        return image;
    }

    private void requireNewName(String path) {
        if (path == null || path.isEmpty()) {
            throw refused(path, Reason.OUT_OF_RANGE, "an image needs a non-empty path");
        }
        if (images.containsKey(path)) {
            throw refused(path, Reason.ALREADY_EXISTS, "%s already exists", path);
        }
        if (unlinked.contains(path)) {
            throw refused(path, Reason.NAME_REUSED,
                    "%s was used by an image that was unlinked; names are never reused", path);
        }
    }

    private void requireActive(String path) {
        require(path);
        if (!guestImages.contains(path)) {
            throw refused(path, Reason.NOT_ACTIVE, "no guest writes to %s", path);
        }
    }

    private void requireNotActive(String path) {
        if (guestImages.contains(path)) {
            throw refused(path, Reason.ACTIVE, "a guest already writes to %s", path);
        }
    }

    private int clusterCount(String path, long virtualSize) {
        if (virtualSize <= 0 || virtualSize % clusterSize != 0
                || virtualSize / clusterSize > Integer.MAX_VALUE) {
            throw refused(path, Reason.OUT_OF_RANGE,
                    "virtual size of %s must be a positive multiple of the cluster size %s"
                            + " and at most 2^31 clusters, was %s",
                    path, clusterSize, virtualSize);
        }
        return (int) (virtualSize / clusterSize);
    }

    /** Creates {@code dest}, sized as {@code sizedLike}, holding {@code writes}; returns bytes. */
    private long createFilled(String dest, ImageFormat format, Image sizedLike, String backing,
                              ClusterMap writes) {
        Image image = new Image(dest, format, sizedLike.virtualSize, sizedLike.clusterCount,
                backing);
        apply(image, writes);
        images.put(dest, image);
        return bytes(writes.size());
    }

    private static void apply(Image image, ClusterMap writes) {
        if (writes.size() > 0) {
            ClusterMap clusters = image.writableClusters();
            writes.forEach(clusters::put);
        }
    }

    private long bytes(long clusters) {
        return clusters * clusterSize;
    }

    private long record(Operation operation) {
        log.add(operation);
        long bytes = operation.bytesCopied();
        copied += bytes;
        copiedByKind.merge(operation.getClass(), bytes, Long::sum);
        return bytes;
    }

    /** A chain in the design's notation, bottom first: {@code V <- V.1 <- V.2}. */
    private static String describe(List<Image> chain) {
        StringBuilder s = new StringBuilder();
        for (int i = chain.size() - 1; i >= 0; i--) {
            s.append(chain.get(i).path).append(i > 0 ? " <- " : "");
        }
        return s.toString();
    }

    private static RefusedOperationException refused(String image, Reason reason,
                                                     String format, Object... args) {
        return new RefusedOperationException(image, reason, String.format(format, args));
    }
}
