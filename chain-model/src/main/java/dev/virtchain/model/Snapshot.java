package dev.virtchain.model;

import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A named point in time of a domain.
 *
 * @param name        unique within the domain ({@link Names})
 * @param created     when it was taken
 * @param parent      the snapshot that was current when this one was taken, or null
 * @param holders     disk target to the image that holds this point in time on that disk; a
 *                    snapshot may cover a subset of the domain's disks
 * @param consistency crash-consistent or quiesced
 * @param consistencyNote why a quiesce that was asked for was not had (quiesce AUTO fell back),
 *                    in the user's words; null when it was had or not asked for
 * @param origin      who made it
 * @param description free text, may be null
 * @param holds       hold tags; a held snapshot is not deleted
 * @param protectedBy names of domains cloned from this snapshot; a protected snapshot is not
 *                    deleted and its holders are never written
 */
public record Snapshot(String name, Instant created, String parent, Map<String, String> holders,
                       Consistency consistency, Origin origin, String description,
                       Set<String> holds, Set<String> protectedBy, String consistencyNote) {

    public Snapshot(String name, Instant created, String parent, Map<String, String> holders, Consistency consistency,
                    Origin origin, String description, Set<String> holds, Set<String> protectedBy) {
        this(name, created, parent, holders, consistency, origin, description, holds, protectedBy, null);
    }

    public Snapshot {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(created, "created");
        Objects.requireNonNull(consistency, "consistency");
        Objects.requireNonNull(origin, "origin");
        holders = Collections.unmodifiableMap(new TreeMap<>(holders));
        holds = sorted(holds);
        protectedBy = sorted(protectedBy);
    }

    /**
     * An unmodifiable sorted copy; the empty set shared. Most snapshots have no holds and no
     * clones, and a host keeps tens of thousands of snapshots in memory.
     */
    private static Set<String> sorted(Set<String> set) {
        return set.isEmpty() ? Collections.emptySet() : Collections.unmodifiableSet(new TreeSet<>(set));
    }

    /** A fresh snapshot with no holds and no clones. */
    public static Snapshot of(String name, Instant created, String parent, Map<String, String> holders,
                              Consistency consistency, Origin origin, String description) {
        return new Snapshot(name, created, parent, holders, consistency, origin, description, Set.of(), Set.of());
    }

    /** The holder on {@code disk}, or null if this snapshot does not cover that disk. */
    public String holder(String disk) {
        return holders.get(disk);
    }

    public boolean covers(String disk) {
        return holders.containsKey(disk);
    }

    public boolean isHeld() {
        return !holds.isEmpty();
    }

    public boolean isProtected() {
        return !protectedBy.isEmpty();
    }

    public Snapshot withHolder(String disk, String path) {
        Map<String, String> h = new TreeMap<>(holders);
        h.put(disk, path);
        return new Snapshot(name, created, parent, h, consistency, origin, description, holds, protectedBy, consistencyNote);
    }

    public Snapshot withParent(String newParent) {
        return new Snapshot(name, created, newParent, holders, consistency, origin, description, holds, protectedBy, consistencyNote);
    }

    public Snapshot withConsistency(Consistency c) {
        return new Snapshot(name, created, parent, holders, c, origin, description, holds, protectedBy, consistencyNote);
    }

    /** What taking it really gave: the consistency, why a quiesce asked for was not had, and when. */
    public Snapshot withTaken(Consistency c, String note, Instant when) {
        return new Snapshot(name, when, parent, holders, c, origin, description, holds, protectedBy, note);
    }

    public Snapshot withHolds(Set<String> newHolds) {
        return new Snapshot(name, created, parent, holders, consistency, origin, description, newHolds, protectedBy, consistencyNote);
    }

    public Snapshot withProtectedBy(Set<String> clones) {
        return new Snapshot(name, created, parent, holders, consistency, origin, description, holds, clones, consistencyNote);
    }
}
