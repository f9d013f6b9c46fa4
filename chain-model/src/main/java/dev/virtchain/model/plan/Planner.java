package dev.virtchain.model.plan;

import dev.virtchain.model.Consistency;
import dev.virtchain.model.Disk;
import dev.virtchain.model.Image;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.Names;
import dev.virtchain.model.Origin;
import dev.virtchain.model.Refused;
import dev.virtchain.model.Snapshot;
import dev.virtchain.model.ChainDrift;

import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Turns intents into plans. Stateless apart from its clock and the host's capabilities; plans
 * nothing it would not hand out: every plan's ledger after passes {@link Ledger#check()}.
 *
 * <p>Every intent first checks the ledger itself, and that the chains libvirt shows are the ones
 * the ledger expects ({@link ChainDrift} otherwise).
 */
public final class Planner {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
            .withZone(ZoneOffset.UTC);

    private final Clock clock;
    private final HostCapabilities caps;

    public Planner(Clock clock, HostCapabilities caps) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.caps = Objects.requireNonNull(caps, "caps");
    }

    /**
     * Plans {@code intent}.
     *
     * @throws dev.virtchain.model.ChainException saying why it cannot be done
     */
    public Plan plan(Intent intent, Situation situation) {
        situation.ledger().requireValid();
        // Java 17: no pattern switch; Intent is sealed, so this chain is complete.
        if (intent instanceof Intent.Create c) {
            return create(c, situation);
        } else if (intent instanceof Intent.Delete d) {
            return new DeletePlanner(situation, caps).plan(d);
        } else if (intent instanceof Intent.Revert r) {
            return revert(r, situation);
        } else if (intent instanceof Intent.Clone c) {
            return cloneInto(c, situation);
        } else if (intent instanceof Intent.Flatten f) {
            return flatten(f, situation);
        } else if (intent instanceof Intent.Export e) {
            return export(e, situation);
        } else if (intent instanceof Intent.ExportDiff e) {
            return exportDiff(e, situation);
        } else if (intent instanceof Intent.BlockCopy c) {
            return blockCopy(c, situation);
        }
        throw new IllegalArgumentException("unknown intent " + intent);
    }

    // ------------------------------------------------------------------ create

    private Plan create(Intent.Create c, Situation s) {
        Ledger ledger = s.ledger();
        String domain = ledger.domainName();
        Names.requireValid("snapshot", c.name(), domain);
        if (ledger.snapshot(c.name()).isPresent()) {
            throw new Refused(Refused.Reason.EXISTS, "domain " + domain + " already has a snapshot " + c.name()
                    + "; choose another name or delete the old one first", domain, null, c.name(), null);
        }
        List<String> disks = new ArrayList<>();
        for (String d : c.disks().isEmpty() ? ledger.diskTargets() : c.disks()) {
            disks.add(ledger.requireDisk(d).target());
        }
        if (c.quiesce() == QuiesceMode.YES && !s.running()) {
            throw new Refused(Refused.Reason.NOT_POSSIBLE, "domain " + domain + " is shut off, so snapshot "
                    + c.name() + " cannot be quiesced; it is consistent as it is: create it without --quiesce",
                    domain, null, c.name(), null);
        }
        requireChainsMatch(s);

        PlanBuilder b = new PlanBuilder(ledger);
        Ledger l = ledger;
        Map<String, String> holders = new TreeMap<>();
        Map<String, String> overlays = new TreeMap<>();
        for (String d : disks) {
            Image active = l.requireDisk(d).activeImage();
            Overlay o = newOverlay(l, active);
            l = o.ledger();
            b.add(new Step.CreateOverlay(d, o.path(), active.path(), active.format()));
            holders.put(d, active.path());
            overlays.put(d, o.path());
            l = l.withImage(d, Image.overlay(o.path(), active.path())).withActive(d, o.path());
        }
        Map<String, List<String>> chainsAfter = new TreeMap<>();
        for (String d : disks) {
            chainsAfter.put(d, l.activeChain(d));
        }
        b.add(new Step.TakeSnapshot(c.name(), overlays, c.quiesce(), chainsAfter));
        Consistency consistency = c.quiesce() == QuiesceMode.YES ? Consistency.QUIESCED : Consistency.CRASH;
        l = l.withSnapshot(Snapshot.of(c.name(), clock.instant(), ledger.current(), holders, consistency,
                c.origin(), c.description())).withCurrent(c.name());
        b.ledger(l);
        return b.build(c);
    }

    private record Overlay(String path, Ledger ledger) {
    }

    /**
     * A new overlay name next to {@code over}: {@code <stem>.<n>.qcow2}, with n from the ledger's
     * counter, skipping names the ledger knows; the counter moves past it.
     */
    private static Overlay newOverlay(Ledger l, Image over) {
        String stem = stem(over.fileName());
        String dir = over.directory();
        Set<String> known = new HashSet<>();
        for (Disk d : l.disks()) {
            for (Image i : d.images()) {
                known.add(i.path());
            }
        }
        long n = l.nextImageSeq();
        String path;
        do {
            path = (dir.equals("/") ? "" : dir) + "/" + stem + "." + n + ".qcow2";
            n++;
        } while (known.contains(path));
        return new Overlay(path, l.withNextImageSeq(n));
    }

    /** "vm.qcow2" and "vm.12.qcow2" give "vm". */
    static String stem(String fileName) {
        String s = fileName;
        for (String ext : List.of(".qcow2", ".qcow", ".img", ".raw")) {
            if (s.endsWith(ext) && s.length() > ext.length()) {
                s = s.substring(0, s.length() - ext.length());
                break;
            }
        }
        int dot = s.lastIndexOf('.');
        if (dot > 0 && dot < s.length() - 1 && s.substring(dot + 1).chars().allMatch(Character::isDigit)) {
            s = s.substring(0, dot);
        }
        return s;
    }

    // ------------------------------------------------------------------ revert

    private Plan revert(Intent.Revert r, Situation s) {
        Ledger ledger = s.ledger();
        String domain = ledger.domainName();
        Names.requireValid("snapshot", r.name(), domain);
        Snapshot target = ledger.requireSnapshot(r.name());
        boolean shutdown = r.shutdownSeconds() > 0;
        if (s.running() && !r.force() && !shutdown) {
            throw new Refused(Refused.Reason.RUNNING, "domain " + domain + " is running; shut it down before"
                    + " reverting to snapshot " + r.name() + ", or revert with --shutdown to shut it down cleanly"
                    + " and restart it, or with --force to stop it hard and restart it",
                    domain, null, r.name(), null);
        }
        requireChainsMatch(s);

        PlanBuilder b = new PlanBuilder(ledger);
        if (s.running()) {
            b.add(new Step.StopDomain(shutdown ? r.shutdownSeconds() : 0));
        }
        // The state we leave becomes a snapshot: nothing is lost by reverting. A guest that shut
        // down cleanly left its file systems as consistent as a quiesce would; a stopped one did not.
        Consistency left = s.running() && shutdown ? Consistency.QUIESCED : Consistency.CRASH;
        String keep = preRevertName(ledger, r.name());
        Map<String, String> keptHolders = new TreeMap<>();
        Ledger l = ledger;
        List<Step> sources = new ArrayList<>();
        for (String d : ledger.diskTargets()) {
            Image oldActive = l.requireDisk(d).activeImage();
            keptHolders.put(d, oldActive.path());
            Image from = target.covers(d) ? l.requireDisk(d).image(target.holder(d)) : oldActive;
            Overlay o = newOverlay(l, from);
            l = o.ledger();
            b.add(new Step.CreateOverlay(d, o.path(), from.path(), from.format()));
            l = l.withImage(d, Image.overlay(o.path(), from.path())).withActive(d, o.path());
            sources.add(new Step.SetDiskSource(d, o.path(), l.activeChain(d)));
        }
        sources.forEach(b::add);
        l = l.withSnapshot(Snapshot.of(keep, clock.instant(), ledger.current(), keptHolders, left,
                Origin.manual(), "state before reverting to " + r.name() + (s.running() && shutdown
                        ? " (shut down cleanly)" : "")));
        l = l.withCurrent(r.name());
        b.ledger(l);
        b.persistLedger();
        if (s.running()) {
            b.add(new Step.StartDomain());
        }
        return b.build(r);
    }

    private String preRevertName(Ledger l, String target) {
        String stamp = STAMP.format(clock.instant());
        String prefix = "pre-revert-";
        int room = Names.MAX_LENGTH - prefix.length() - stamp.length() - 1 - 4;
        String t = target.length() > room ? target.substring(0, room) : target;
        String name = prefix + t + "-" + stamp;
        for (int n = 2; l.snapshot(name).isPresent(); n++) {
            name = prefix + t + "-" + stamp + "-" + n;
        }
        return name;
    }

    // ------------------------------------------------------------------ clone

    private Plan cloneInto(Intent.Clone c, Situation s) {
        Ledger ledger = s.ledger();
        String domain = ledger.domainName();
        Names.requireValid("snapshot", c.name(), domain);
        Names.requireValid("domain", c.newDomain(), null);
        Snapshot snap = ledger.requireSnapshot(c.name());
        if (c.newDomain().equals(domain)) {
            throw new Refused(Refused.Reason.EXISTS, "a clone of snapshot " + c.name() + " cannot be named " + domain
                    + ", the name of the domain it is cloned from; choose another name", domain, null, c.name(), null);
        }
        if (snap.protectedBy().contains(c.newDomain())) {
            throw new Refused(Refused.Reason.EXISTS, "domain " + c.newDomain() + " is already a clone of snapshot "
                    + c.name() + " of domain " + domain + "; choose another name", domain, null, c.name(), null);
        }
        for (String d : c.paths().keySet()) {
            if (!snap.covers(d)) {
                ledger.requireDisk(d);
                throw new Refused(Refused.Reason.NOT_POSSIBLE, "snapshot " + c.name() + " of domain " + domain
                        + " does not cover disk " + d + ", so a clone of it has no such disk; drop that path",
                        domain, d, c.name(), null);
            }
        }
        requireChainsMatch(s);
        Set<String> known = knownPaths(ledger);
        PlanBuilder b = new PlanBuilder(ledger);
        b.ledger(ledger.withProtection(c.name(), c.newDomain()));
        b.persistLedger();
        Map<String, String> disks = new TreeMap<>();
        for (Map.Entry<String, String> h : snap.holders().entrySet()) {
            String d = h.getKey();
            Image holder = ledger.requireDisk(d).image(h.getValue());
            String path = c.paths().getOrDefault(d,
                    dirPrefix(holder.directory()) + c.newDomain() + "." + d + ".qcow2");
            requireNewFile(ledger, d, path, known);
            known.add(path);
            b.add(new Step.CreateOverlay(d, path, holder.path(), holder.format()));
            disks.put(d, path);
        }
        b.add(new Step.DefineClone(c.newDomain(), disks, c.uuid()));
        return b.build(c);
    }

    // ------------------------------------------------------------------ flatten

    private Plan flatten(Intent.Flatten f, Situation s) {
        Ledger ledger = s.ledger();
        String disk = ledger.requireDisk(f.disk()).target();
        requireChainsMatch(s);
        PlanBuilder b = new PlanBuilder(ledger);
        Image active = ledger.requireDisk(disk).activeImage();
        if (!active.hasBacking()) {
            return b.build(f);
        }
        long cost = s.running() ? s.facts().bytesPullWouldCopy(active.path(), null)
                : s.facts().bytesRebaseWouldCopy(active.path(), null);
        Ledger l = ledger.withBackingRewritten(disk, active.path(), null);
        // Bases nothing needs any more leave the ledger, but stay on disk: others may share them.
        for (String gone : unneeded(l, disk)) {
            l = l.withImageRemoved(disk, gone);
            b.release(gone);
        }
        b.ledger(l);
        if (s.running()) {
            b.add(new Step.BlockPull(disk, active.path(), null, cost, active.directory(), l.activeChain(disk)));
        } else {
            b.add(new Step.OfflineRebase(disk, active.path(), null, true, cost, active.directory()));
        }
        return b.build(f);
    }

    /** Images of a disk that are not the active image, a holder or a tombstone, nor below one. */
    private static List<String> unneeded(Ledger l, String disk) {
        Disk d = l.requireDisk(disk);
        Map<String, Image> byPath = d.byPath();
        Set<String> needed = new HashSet<>();
        List<String> marks = new ArrayList<>();
        marks.add(d.active());
        marks.addAll(l.holdersOn(disk).keySet());
        l.tombstones().stream().filter(t -> t.disk().equals(disk)).forEach(t -> marks.add(t.image()));
        for (String m : marks) {
            for (String at = m; at != null && needed.add(at); at = byPath.get(at).backing()) {
                // walk down
            }
        }
        List<String> out = new ArrayList<>();
        for (Image i : d.images()) {
            if (!needed.contains(i.path())) {
                out.add(i.path());
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ block copy

    /**
     * A block copy: create the destination, copy until in sync, then pivot or finish. The ledger
     * can follow a pivot only where no point in time moves: a shallow copy replaces the active
     * image (which holds no snapshot) and keeps every holder below it; a full copy replaces the
     * whole chain, so it may pivot only on a disk no snapshot or tombstone uses.
     */
    private Plan blockCopy(Intent.BlockCopy c, Situation s) {
        Ledger ledger = s.ledger();
        String domain = ledger.domainName();
        Disk d = ledger.requireDisk(c.disk());
        String disk = d.target();
        Image active = d.activeImage();
        boolean shallow = c.shallow() && active.hasBacking();
        if (!s.running()) {
            throw new Refused(Refused.Reason.NOT_POSSIBLE, "domain " + domain + " is shut off and blockcopy copies a"
                    + " running domain's disk; export a snapshot (virtchain export) or copy the files with qemu-img"
                    + " convert instead", domain, disk, null, c.dest());
        }
        if (ledger.disks().stream().anyMatch(x -> x.contains(c.dest()))) {
            throw new Refused(Refused.Reason.EXISTS, c.dest() + " is an image of " + domain + "; choose a new file",
                    domain, disk, null, c.dest());
        }
        if (shallow && c.format() != dev.virtchain.model.ImageFormat.QCOW2) {
            throw new Refused(Refused.Reason.NOT_POSSIBLE, "a shallow copy is an overlay on the disk's backing chain"
                    + " and must be qcow2; copy the whole chain (without --shallow) to get a raw image", domain, disk,
                    null, c.dest());
        }
        if (c.pivot() && !shallow) {
            List<String> holders = ledger.snapshots().stream().filter(x -> x.covers(disk)).map(Snapshot::name).toList();
            boolean tombstones = ledger.tombstones().stream().anyMatch(t -> t.disk().equals(disk));
            if (!holders.isEmpty() || tombstones) {
                throw new Refused(Refused.Reason.NOT_POSSIBLE, "disk " + disk + " of " + domain + " holds "
                        + (holders.isEmpty() ? "tombstoned images" : "snapshots " + String.join(", ", holders))
                        + "; after a pivot to a full copy they would no longer be below the image the guest writes,"
                        + " and the ledger could not say where those points in time live; copy with --shallow"
                        + " --pivot (keeps them below the copy), or without --pivot, or delete them first",
                        domain, disk, null, c.dest());
            }
        }
        requireChainsMatch(s);
        PlanBuilder b = new PlanBuilder(ledger);
        Image below = shallow ? d.image(active.backing()) : null;
        b.add(new Step.CreateCopyTarget(disk, c.dest(), c.format(), shallow ? below.path() : null,
                shallow ? below.format() : null, active.path()));
        long cost = s.facts().allocatedBytes(active.path())
                + (shallow ? 0 : s.facts().bytesPullWouldCopy(active.path(), null));
        b.add(new Step.BlockCopy(disk, c.dest(), c.format(), shallow, cost));
        List<String> chainAfter = d.activeChain();
        if (c.pivot()) {
            Ledger l = ledger.withImage(disk, new Image(c.dest(), c.format(), shallow ? below.path() : null))
                    .withActive(disk, c.dest());
            List<String> gone = unneeded(l, disk);
            for (String g : gone) {
                l = l.withImageRemoved(disk, g);
            }
            b.add(new Step.FinishCopy(disk, c.dest(), true, l.activeChain(disk)));
            b.ledger(l);
            b.persistLedger();
            if (shallow) {
                // The old active image holds no point in time and is an overlay on images the
                // ledger keeps merging: left behind it would later read a changed or missing
                // backing file. Everything it held is in the copy now.
                b.unlink(disk, active.path());
            } else {
                // A full copy leaves the old chain whole and standalone (no snapshot used it):
                // the user's previous copy of the disk, as after virsh blockcopy --pivot.
                gone.forEach(b::release);
            }
        } else {
            b.add(new Step.FinishCopy(disk, c.dest(), false, chainAfter));
        }
        return b.build(c);
    }

    // ------------------------------------------------------------------ export

    private Plan export(Intent.Export e, Situation s) {
        Ledger ledger = s.ledger();
        String domain = ledger.domainName();
        Names.requireValid("snapshot", e.name(), domain);
        Snapshot snap = ledger.requireSnapshot(e.name());
        requireDestinations(ledger, e.name(), e.destinations());
        requireChainsMatch(s);
        PlanBuilder b = new PlanBuilder(ledger);
        for (Map.Entry<String, String> d : e.destinations().entrySet()) {
            requireCovered(ledger, snap, d.getKey());
            String holder = snap.holder(d.getKey());
            long cost = s.facts().allocatedBytes(holder) + s.facts().bytesPullWouldCopy(holder, null);
            b.add(new Step.Convert(d.getKey(), holder, d.getValue(), cost));
        }
        return b.build(e);
    }

    private Plan exportDiff(Intent.ExportDiff e, Situation s) {
        Ledger ledger = s.ledger();
        String domain = ledger.domainName();
        Names.requireValid("snapshot", e.from(), domain);
        Names.requireValid("snapshot", e.to(), domain);
        Snapshot from = ledger.requireSnapshot(e.from());
        Snapshot to = ledger.requireSnapshot(e.to());
        requireDestinations(ledger, e.to(), e.destinations());
        requireChainsMatch(s);
        PlanBuilder b = new PlanBuilder(ledger);
        for (Map.Entry<String, String> d : e.destinations().entrySet()) {
            String disk = d.getKey();
            requireCovered(ledger, from, disk);
            requireCovered(ledger, to, disk);
            String base = from.holder(disk);
            String top = to.holder(disk);
            List<String> below = ledger.requireDisk(disk).chainFrom(top);
            if (!below.subList(1, below.size()).contains(base)) {
                throw new Refused(Refused.Reason.NOT_POSSIBLE, "on disk " + disk + " of domain " + domain
                        + ", snapshot " + e.from() + " (" + base + ") is not an earlier point in time of snapshot "
                        + e.to() + " (" + top + "); export-diff needs FROM to be an ancestor of TO: export " + e.to()
                        + " in full instead", domain, disk, e.from(), base);
            }
            long cost = s.facts().allocatedBytes(top) + s.facts().bytesPullWouldCopy(top, base);
            b.add(new Step.ConvertDiff(disk, top, base, d.getValue(), cost));
        }
        return b.build(e);
    }

    private static void requireDestinations(Ledger ledger, String snapshot, Map<String, String> dests) {
        String domain = ledger.domainName();
        if (dests.isEmpty()) {
            throw new Refused(Refused.Reason.NOT_POSSIBLE, "no destination given for exporting snapshot " + snapshot
                    + " of domain " + domain + "; name a file per disk", domain, null, snapshot, null);
        }
        Set<String> known = knownPaths(ledger);
        Set<String> seen = new HashSet<>();
        for (Map.Entry<String, String> d : dests.entrySet()) {
            ledger.requireDisk(d.getKey());
            requireNewFile(ledger, d.getKey(), d.getValue(), known);
            if (!seen.add(d.getValue())) {
                throw new Refused(Refused.Reason.NOT_POSSIBLE, "destination " + d.getValue()
                        + " is given for two disks of domain " + domain + "; give each disk its own file",
                        domain, d.getKey(), snapshot, d.getValue());
            }
        }
    }

    private static void requireCovered(Ledger ledger, Snapshot snap, String disk) {
        if (!snap.covers(disk)) {
            String domain = ledger.domainName();
            throw new Refused(Refused.Reason.NOT_POSSIBLE, "snapshot " + snap.name() + " of domain " + domain
                    + " does not cover disk " + disk + " (it covers " + snap.holders().keySet() + ")",
                    domain, disk, snap.name(), null);
        }
    }

    private static void requireNewFile(Ledger ledger, String disk, String path, Set<String> known) {
        String domain = ledger.domainName();
        if (!path.startsWith("/") || path.endsWith("/") || path.contains("/../") || path.contains("/./")
                || path.chars().anyMatch(ch -> ch < 0x20)) {
            throw new Refused(Refused.Reason.NOT_POSSIBLE, "path " + path + " for disk " + disk + " of domain " + domain
                    + " is not a normalised absolute file path; give one like /var/lib/libvirt/images/x.qcow2",
                    domain, disk, null, path);
        }
        if (known.contains(path)) {
            throw new Refused(Refused.Reason.EXISTS, "path " + path + " is an image of domain " + domain
                    + "; choose a new file name", domain, disk, null, path);
        }
    }

    private static Set<String> knownPaths(Ledger ledger) {
        Set<String> known = new HashSet<>();
        for (Disk d : ledger.disks()) {
            for (Image i : d.images()) {
                known.add(i.path());
            }
        }
        return known;
    }

    private static String dirPrefix(String dir) {
        return dir.equals("/") ? "/" : dir + "/";
    }

    // ------------------------------------------------------------------ shared checks

    /**
     * The chains libvirt shows must be the ledger's. A shut-off domain's XML may list only the
     * first images of a chain; that prefix is accepted.
     */
    static void requireChainsMatch(Situation s) {
        Ledger l = s.ledger();
        for (String d : l.diskTargets()) {
            List<String> expected = l.activeChain(d);
            List<String> observed = s.observed().chains().getOrDefault(d, List.of());
            boolean ok = expected.equals(observed)
                    || (!s.running() && !observed.isEmpty() && observed.size() < expected.size()
                    && expected.subList(0, observed.size()).equals(observed));
            if (!ok) {
                throw new ChainDrift(l.domainName(), d, expected, observed);
            }
        }
    }

}
