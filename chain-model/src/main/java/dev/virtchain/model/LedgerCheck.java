package dev.virtchain.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The rules of {@link Ledger#check()}, one pass each. */
final class LedgerCheck {
    private final Ledger ledger;
    private final List<String> out = new ArrayList<>();

    LedgerCheck(Ledger ledger) {
        this.ledger = ledger;
    }

    List<String> run() {
        if (ledger.schemaVersion() != Ledger.SCHEMA_VERSION) {
            out.add("schema version is " + ledger.schemaVersion() + ", this code reads " + Ledger.SCHEMA_VERSION);
        }
        name("domain", ledger.domain().name());
        if (ledger.nextImageSeq() < 1) {
            out.add("next image sequence number is " + ledger.nextImageSeq() + ", must be at least 1");
        }
        Map<String, Disk> disks = new HashMap<>();
        for (Disk d : ledger.disks()) {
            name("disk target", d.target());
            if (disks.put(d.target(), d) != null) {
                out.add("disk " + d.target() + " is listed twice");
            }
        }
        if (ledger.disks().isEmpty()) {
            out.add("the domain has no disks");
        }
        Map<String, Map<String, Image>> images = new HashMap<>();
        for (Disk d : ledger.disks()) {
            images.put(d.target(), tree(d));
        }
        Map<String, Set<String>> marks = new HashMap<>();
        for (Disk d : ledger.disks()) {
            Set<String> m = new HashSet<>();
            m.add(d.active());
            marks.put(d.target(), m);
        }
        snapshots(disks, images, marks);
        tombstones(disks, images, marks);
        for (Disk d : ledger.disks()) {
            reachable(d, images.get(d.target()), marks.get(d.target()));
        }
        return out;
    }

    private void name(String kind, String name) {
        String p = Names.problem(name);
        if (p != null) {
            out.add(kind + " name " + Names.quote(name) + " is invalid: " + p);
        }
    }

    private Map<String, Image> tree(Disk d) {
        Map<String, Image> byPath = new HashMap<>();
        for (Image i : d.images()) {
            if (byPath.put(i.path(), i) != null) {
                out.add("disk " + d.target() + ": image " + i.path() + " is listed twice");
            }
            if (!i.path().startsWith("/") || i.path().contains("/../") || i.path().contains("/./")
                    || i.path().endsWith("/..") || i.path().endsWith("/")) {
                out.add("disk " + d.target() + ": image path " + i.path() + " is not a normalised absolute path");
            }
        }
        for (Image i : d.images()) {
            if (i.backing() != null && !byPath.containsKey(i.backing())) {
                out.add("disk " + d.target() + ": image " + i.path() + " is backed by " + i.backing()
                        + ", which is not in the disk's tree");
            }
        }
        // Acyclic: colour walk along backing pointers.
        Set<String> done = new HashSet<>();
        for (Image start : d.images()) {
            Set<String> path = new HashSet<>();
            String at = start.path();
            while (at != null && byPath.containsKey(at) && !done.contains(at)) {
                if (!path.add(at)) {
                    out.add("disk " + d.target() + ": backing chain through " + at + " is a cycle");
                    break;
                }
                at = byPath.get(at).backing();
            }
            done.addAll(path);
        }
        if (!byPath.containsKey(d.active())) {
            out.add("disk " + d.target() + ": active image " + d.active() + " is not in the disk's tree");
        }
        return byPath;
    }

    private void snapshots(Map<String, Disk> disks, Map<String, Map<String, Image>> images,
                           Map<String, Set<String>> marks) {
        Map<String, Snapshot> byName = new HashMap<>();
        for (Snapshot s : ledger.snapshots()) {
            name("snapshot", s.name());
            if (byName.put(s.name(), s) != null) {
                out.add("snapshot " + s.name() + " is listed twice");
            }
            for (String h : s.holds()) {
                name("hold", h);
            }
            for (String c : s.protectedBy()) {
                name("clone domain", c);
            }
        }
        Map<String, String> holderOwner = new HashMap<>();
        for (Snapshot s : ledger.snapshots()) {
            if (s.parent() != null && !byName.containsKey(s.parent())) {
                out.add("snapshot " + s.name() + " has parent " + s.parent() + ", which does not exist");
            }
            if (s.holders().isEmpty()) {
                out.add("snapshot " + s.name() + " holds no disk");
            }
            for (Map.Entry<String, String> e : s.holders().entrySet()) {
                String disk = e.getKey();
                String holder = e.getValue();
                Disk d = disks.get(disk);
                if (d == null) {
                    out.add("snapshot " + s.name() + " has a holder for disk " + disk + ", which does not exist");
                    continue;
                }
                if (!images.get(disk).containsKey(holder)) {
                    out.add("snapshot " + s.name() + ": holder " + holder + " of disk " + disk
                            + " is not in the disk's tree");
                }
                if (holder.equals(d.active())) {
                    out.add("snapshot " + s.name() + ": holder " + holder + " of disk " + disk
                            + " is the active image, which is not a point in time");
                }
                String other = holderOwner.put(disk + "\0" + holder, s.name());
                if (other != null) {
                    out.add("snapshots " + other + " and " + s.name() + " share holder " + holder + " of disk " + disk);
                }
                marks.get(disk).add(holder);
            }
        }
        // Parent links form no cycle: walk each snapshot's ancestry once, stopping at any
        // snapshot already known to end at a root.
        Set<String> rooted = new HashSet<>();
        for (Snapshot s : ledger.snapshots()) {
            Set<String> path = new HashSet<>();
            String at = s.name();
            while (at != null && byName.containsKey(at) && !rooted.contains(at)) {
                if (!path.add(at)) {
                    out.add("snapshot parents through " + s.name() + " form a cycle");
                    break;
                }
                at = byName.get(at).parent();
            }
            if (at == null || !byName.containsKey(at) || rooted.contains(at)) {
                rooted.addAll(path);
            }
        }
        if (ledger.current() != null && !byName.containsKey(ledger.current())) {
            out.add("current snapshot " + ledger.current() + " does not exist");
        }
    }

    private void tombstones(Map<String, Disk> disks, Map<String, Map<String, Image>> images,
                            Map<String, Set<String>> marks) {
        Set<String> seen = new HashSet<>();
        for (Tombstone t : ledger.tombstones()) {
            if (!disks.containsKey(t.disk())) {
                out.add("tombstone of " + t.image() + " names disk " + t.disk() + ", which does not exist");
                continue;
            }
            if (!images.get(t.disk()).containsKey(t.image())) {
                out.add("tombstone of " + t.image() + " (snapshot " + t.snapshot() + "): the image is not in disk "
                        + t.disk() + "'s tree");
            }
            if (!seen.add(t.disk() + "\0" + t.image())) {
                out.add("image " + t.image() + " of disk " + t.disk() + " has two tombstones");
            }
            for (Snapshot s : ledger.snapshots()) {
                if (t.image().equals(s.holder(t.disk()))) {
                    out.add("tombstone " + t.image() + " of disk " + t.disk() + " is the holder of live snapshot "
                            + s.name());
                }
            }
            if (t.image().equals(disks.get(t.disk()).active())) {
                out.add("tombstone " + t.image() + " of disk " + t.disk() + " is the active image");
            }
            marks.get(t.disk()).add(t.image());
        }
    }

    private void reachable(Disk d, Map<String, Image> byPath, Set<String> marks) {
        Set<String> needed = new HashSet<>();
        for (String m : marks) {
            String at = m;
            while (at != null && byPath.containsKey(at) && needed.add(at)) {
                at = byPath.get(at).backing();
            }
        }
        for (Image i : d.images()) {
            if (!needed.contains(i.path())) {
                out.add("disk " + d.target() + ": image " + i.path()
                        + " holds no snapshot, is no tombstone and is not below one or below the active image");
            }
        }
    }
}
