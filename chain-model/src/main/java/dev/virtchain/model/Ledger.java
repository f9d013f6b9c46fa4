package dev.virtchain.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What virtchain knows about one domain: its disks (image tree and active image each), its
 * snapshots with their holders, tombstones, the current snapshot, and the counter that names new
 * overlays. Immutable; every {@code with...} method returns a new ledger and does not check it.
 * {@link #check()} lists what is wrong with a ledger; the planner only hands out ledgers that
 * pass it.
 *
 * <p>The shape is plain records and lists with no cycles so that the daemon can store it as JSON
 * without adapters. Snapshots are in creation order.
 *
 * @param schemaVersion {@link #SCHEMA_VERSION} for ledgers written by this code
 * @param domain        the domain
 * @param disks         one per disk target
 * @param snapshots     in creation order
 * @param tombstones    images kept for dependants after their snapshot was deleted
 * @param current       the snapshot the domain's disks last branched from, or null
 * @param nextImageSeq  the number the next overlay's file name gets; never goes down, so no file
 *                      name is ever reused
 */
public record Ledger(int schemaVersion, DomainId domain, List<Disk> disks, List<Snapshot> snapshots,
                     List<Tombstone> tombstones, String current, long nextImageSeq) {

    public static final int SCHEMA_VERSION = 1;

    public Ledger {
        Objects.requireNonNull(domain, "domain");
        disks = List.copyOf(disks);
        snapshots = List.copyOf(snapshots);
        tombstones = List.copyOf(tombstones);
    }

    /** A ledger for a domain without snapshots: each disk is its chain, no points in time yet. */
    public static Ledger of(DomainId domain, List<Disk> disks) {
        return new Ledger(SCHEMA_VERSION, domain, disks, List.of(), List.of(), null, 1);
    }

    // ---------------------------------------------------------------- queries

    public String domainName() {
        return domain.name();
    }

    public Optional<Disk> disk(String target) {
        for (Disk d : disks) {
            if (d.target().equals(target)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    /** @throws UnknownDisk if there is no such disk */
    public Disk requireDisk(String target) {
        return disk(target).orElseThrow(() -> new UnknownDisk(domain.name(), target, diskTargets()));
    }

    public List<String> diskTargets() {
        List<String> out = new ArrayList<>();
        for (Disk d : disks) {
            out.add(d.target());
        }
        return out;
    }

    public Optional<Snapshot> snapshot(String name) {
        for (Snapshot s : snapshots) {
            if (s.name().equals(name)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /** @throws UnknownSnapshot if there is no such snapshot */
    public Snapshot requireSnapshot(String name) {
        return snapshot(name).orElseThrow(() -> new UnknownSnapshot(domain.name(), name));
    }

    /** Holder path to snapshot name, for one disk. */
    public Map<String, String> holdersOn(String disk) {
        Map<String, String> out = new HashMap<>();
        for (Snapshot s : snapshots) {
            String h = s.holder(disk);
            if (h != null) {
                out.put(h, s.name());
            }
        }
        return out;
    }

    /** The tombstone for an image of a disk, if any. */
    public Optional<Tombstone> tombstone(String disk, String image) {
        for (Tombstone t : tombstones) {
            if (t.disk().equals(disk) && t.image().equals(image)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** The active chain of a disk, active image first. */
    public List<String> activeChain(String disk) {
        return requireDisk(disk).activeChain();
    }

    // ---------------------------------------------------------------- derived ledgers

    /** Adds a snapshot at the end (newest). */
    public Ledger withSnapshot(Snapshot s) {
        List<Snapshot> list = new ArrayList<>(snapshots);
        list.add(s);
        return new Ledger(schemaVersion, domain, disks, list, tombstones, current, nextImageSeq);
    }

    /**
     * Removes a snapshot from the user's view: its children get its parent, and if it was the
     * current snapshot its parent becomes current. Its holders are not touched.
     */
    public Ledger withoutSnapshot(String name) {
        Snapshot gone = requireSnapshot(name);
        List<Snapshot> list = new ArrayList<>(snapshots.size());
        for (Snapshot s : snapshots) {
            if (s.name().equals(name)) {
                continue;
            }
            list.add(name.equals(s.parent()) ? s.withParent(gone.parent()) : s);
        }
        String cur = name.equals(current) ? gone.parent() : current;
        return new Ledger(schemaVersion, domain, disks, list, tombstones, cur, nextImageSeq);
    }

    /** Replaces the snapshot of the same name. */
    public Ledger withSnapshotReplaced(Snapshot replacement) {
        List<Snapshot> list = new ArrayList<>(snapshots.size());
        boolean found = false;
        for (Snapshot s : snapshots) {
            if (s.name().equals(replacement.name())) {
                list.add(replacement);
                found = true;
            } else {
                list.add(s);
            }
        }
        if (!found) {
            throw new UnknownSnapshot(domain.name(), replacement.name());
        }
        return new Ledger(schemaVersion, domain, disks, list, tombstones, current, nextImageSeq);
    }

    /** Records that {@code snapshot}'s point in time on {@code disk} now lives in {@code newHolder}. */
    public Ledger withHolderMoved(String snapshot, String disk, String newHolder) {
        return withSnapshotReplaced(requireSnapshot(snapshot).withHolder(disk, newHolder));
    }

    public Ledger withConsistency(String snapshot, Consistency consistency) {
        return withSnapshotReplaced(requireSnapshot(snapshot).withConsistency(consistency));
    }

    /** The snapshot as taking it really went: consistency, the reason a quiesce was not had, the time. */
    public Ledger withTaken(String snapshot, Consistency consistency, String note, java.time.Instant when) {
        return withSnapshotReplaced(requireSnapshot(snapshot).withTaken(consistency, note, when));
    }

    public Ledger withHold(String snapshot, String tag) {
        Names.requireValid("hold", tag, domain.name());
        Snapshot s = requireSnapshot(snapshot);
        Set<String> h = new TreeSet<>(s.holds());
        h.add(tag);
        return withSnapshotReplaced(s.withHolds(h));
    }

    public Ledger withoutHold(String snapshot, String tag) {
        Snapshot s = requireSnapshot(snapshot);
        Set<String> h = new TreeSet<>(s.holds());
        h.remove(tag);
        return withSnapshotReplaced(s.withHolds(h));
    }

    /** Marks a snapshot as the base of clone domain {@code clone}. */
    public Ledger withProtection(String snapshot, String clone) {
        Snapshot s = requireSnapshot(snapshot);
        Set<String> p = new TreeSet<>(s.protectedBy());
        p.add(clone);
        return withSnapshotReplaced(s.withProtectedBy(p));
    }

    /** Clone {@code clone} no longer depends on the snapshot (it was flattened or removed). */
    public Ledger withoutProtection(String snapshot, String clone) {
        Snapshot s = requireSnapshot(snapshot);
        Set<String> p = new TreeSet<>(s.protectedBy());
        p.remove(clone);
        return withSnapshotReplaced(s.withProtectedBy(p));
    }

    public Ledger withCurrent(String snapshot) {
        return new Ledger(schemaVersion, domain, disks, snapshots, tombstones, snapshot, nextImageSeq);
    }

    public Ledger withNextImageSeq(long seq) {
        return new Ledger(schemaVersion, domain, disks, snapshots, tombstones, current, seq);
    }

    private Ledger withDisk(Disk replacement) {
        List<Disk> list = new ArrayList<>(disks.size());
        boolean found = false;
        for (Disk d : disks) {
            if (d.target().equals(replacement.target())) {
                list.add(replacement);
                found = true;
            } else {
                list.add(d);
            }
        }
        if (!found) {
            throw new UnknownDisk(domain.name(), replacement.target(), diskTargets());
        }
        return new Ledger(schemaVersion, domain, list, snapshots, tombstones, current, nextImageSeq);
    }

    /** Adds an image to a disk's tree. */
    public Ledger withImage(String disk, Image image) {
        Disk d = requireDisk(disk);
        List<Image> list = new ArrayList<>(d.images());
        list.add(image);
        return withDisk(d.withImages(list));
    }

    /** Drops an image from a disk's tree (and its tombstone, if any). */
    public Ledger withImageRemoved(String disk, String path) {
        Disk d = requireDisk(disk);
        List<Image> list = new ArrayList<>(d.images().size());
        for (Image i : d.images()) {
            if (!i.path().equals(path)) {
                list.add(i);
            }
        }
        Ledger l = withDisk(d.withImages(list));
        return l.tombstone(disk, path).isPresent() ? l.withoutTombstone(disk, path) : l;
    }

    /** Points an image at a new backing image (null: no backing). */
    public Ledger withBackingRewritten(String disk, String path, String newBacking) {
        Disk d = requireDisk(disk);
        List<Image> list = new ArrayList<>(d.images().size());
        for (Image i : d.images()) {
            list.add(i.path().equals(path) ? i.withBacking(newBacking) : i);
        }
        return withDisk(d.withImages(list));
    }

    /** Makes {@code path} the active image of {@code disk}. */
    public Ledger withActive(String disk, String path) {
        return withDisk(requireDisk(disk).withActive(path));
    }

    /** Adds or replaces the tombstone for the same disk and image. */
    public Ledger withTombstone(Tombstone t) {
        List<Tombstone> list = new ArrayList<>(tombstones.size() + 1);
        for (Tombstone o : tombstones) {
            if (!(o.disk().equals(t.disk()) && o.image().equals(t.image()))) {
                list.add(o);
            }
        }
        list.add(t);
        return new Ledger(schemaVersion, domain, disks, snapshots, list, current, nextImageSeq);
    }

    public Ledger withoutTombstone(String disk, String image) {
        List<Tombstone> list = new ArrayList<>(tombstones.size());
        for (Tombstone o : tombstones) {
            if (!(o.disk().equals(disk) && o.image().equals(image))) {
                list.add(o);
            }
        }
        return new Ledger(schemaVersion, domain, disks, snapshots, list, current, nextImageSeq);
    }

    // ---------------------------------------------------------------- invariants

    /** Throws {@link InvariantViolation} listing every broken rule, or returns this ledger. */
    public Ledger requireValid() {
        List<String> v = check();
        if (!v.isEmpty()) {
            throw new InvariantViolation(domain.name(), v);
        }
        return this;
    }

    /**
     * Lists every rule this ledger breaks; empty when it is valid. The rules:
     * <ul>
     * <li>the schema version is {@link #SCHEMA_VERSION}; names follow {@link Names};</li>
     * <li>disk targets are unique; within a disk image paths are unique and absolute, every
     *     backing is an image of the same tree, the tree has no cycle, and the active image is in
     *     it;</li>
     * <li>snapshot names are unique, parents exist and form no cycle, the current snapshot
     *     exists; every snapshot holds at least one disk, each holder is in its disk's tree, is
     *     not the active image and holds no other snapshot of that disk;</li>
     * <li>tombstones are images of their disk's tree, one per image, never holders of a live
     *     snapshot;</li>
     * <li>every image is the active image, a holder or a tombstone, or an ancestor of one.</li>
     * </ul>
     */
    public List<String> check() {
        return new LedgerCheck(this).run();
    }
}
