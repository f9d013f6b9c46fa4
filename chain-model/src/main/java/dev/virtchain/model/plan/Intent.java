package dev.virtchain.model.plan;

import dev.virtchain.model.Origin;

import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/** What the user (or a policy) asks for. The planner turns it into a {@link Plan}. */
public sealed interface Intent {

    /** The operation's kind, as the journal, the metrics and {@code --json} name it. */
    String kind();

    /** The operation in a few words for people: logs, {@code job-list}, refusals. */
    String describe();

    /**
     * Take a snapshot.
     *
     * @param name        the new snapshot's name
     * @param disks       the disks it covers; empty means all
     * @param quiesce     whether to freeze the guest's file systems
     * @param description free text, may be null
     * @param origin      who asks
     */
    record Create(String name, Set<String> disks, QuiesceMode quiesce, String description, Origin origin)
            implements Intent {
        @Override
        public String kind() {
            return "create";
        }

        @Override
        public String describe() {
            return "create snapshot " + name;
        }

        public Create {
            disks = Set.copyOf(new TreeSet<>(disks));
            Objects.requireNonNull(quiesce, "quiesce");
            Objects.requireNonNull(origin, "origin");
        }

        public static Create of(String name) {
            return new Create(name, Set.of(), QuiesceMode.NO, null, Origin.manual());
        }
    }

    /**
     * Delete snapshots, any number, anywhere; an empty set only finishes pending tombstones.
     */
    record Delete(Set<String> names) implements Intent {
        @Override
        public String kind() {
            return "delete";
        }

        @Override
        public String describe() {
            return names.isEmpty() ? "finish tombstoned merges" : "delete snapshots " + String.join(", ", new TreeSet<>(names));
        }

        public Delete {
            names = Set.copyOf(names);
        }

        public static Delete of(String... names) {
            return new Delete(Set.of(names));
        }
    }

    /**
     * Go back to a snapshot without losing anything: the current state is kept as a snapshot
     * first, then new overlays on the snapshot's holders become active.
     *
     * @param force stop a running domain and start it again afterwards
     */
    /**
     * @param shutdownSeconds 0: a running domain is refused, or with {@code force} stopped hard;
     *                        more: a running domain is shut down cleanly, waiting that long
     */
    record Revert(String name, boolean force, int shutdownSeconds) implements Intent {
        @Override
        public String kind() {
            return "revert";
        }

        @Override
        public String describe() {
            return "revert to " + name;
        }

        public Revert(String name, boolean force) {
            this(name, force, 0);
        }

        public Revert {
            if (shutdownSeconds < 0) {
                throw new IllegalArgumentException("shutdown time-out must be 0 or more seconds, not " + shutdownSeconds);
            }
        }
    }

    /**
     * Make a new domain whose disks are thin overlays on a snapshot's holders.
     *
     * @param paths disk target to the new overlay's path; missing disks get
     *              {@code <holder's directory>/<newDomain>.<disk>.qcow2}
     * @param uuid  the new domain's UUID, chosen before anything is made so that the journal holds
     *              it: state libvirt keys by UUID (an emulated TPM's) is copied under it, and a
     *              resumed operation finds that copy again; null lets the step choose one
     */
    record Clone(String name, String newDomain, Map<String, String> paths, UUID uuid) implements Intent {
        /** The kind an operation record of a clone carries. */
        public static final String KIND = "clone";

        @Override
        public String kind() {
            return KIND;
        }

        @Override
        public String describe() {
            return "clone " + name + " into " + newDomain;
        }

        public Clone {
            paths = Map.copyOf(paths);
        }

        public Clone(String name, String newDomain, Map<String, String> paths) {
            this(name, newDomain, paths, null);
        }
    }

    /** Make a disk's active image standalone; snapshots stay as they are. */
    record Flatten(String disk) implements Intent {
        @Override
        public String kind() {
            return "flatten";
        }

        @Override
        public String describe() {
            return "flatten " + disk;
        }

    }

    /** Write a snapshot's point in time as standalone images, one per disk in {@code destinations}. */
    record Export(String name, Map<String, String> destinations) implements Intent {
        @Override
        public String kind() {
            return "export";
        }

        @Override
        public String describe() {
            return "export " + name;
        }

        public Export {
            destinations = Map.copyOf(new TreeMap<>(destinations));
        }
    }

    /**
     * Write what changed from snapshot {@code from} to snapshot {@code to} as qcow2 overlays whose
     * backing is {@code from}'s holder, one per disk in {@code destinations}.
     */
    record ExportDiff(String from, String to, Map<String, String> destinations) implements Intent {
        @Override
        public String kind() {
            return "export-diff";
        }

        @Override
        public String describe() {
            return "export the difference " + from + ".." + to;
        }

        public ExportDiff {
            destinations = Map.copyOf(new TreeMap<>(destinations));
        }
    }

    /**
     * Copy a running domain's disk into {@code dest} with a block copy (a mirror job): the whole
     * chain flattened, or with {@code shallow} only the active image, as a qcow2 overlay on the
     * active image's backing file. With {@code pivot} the domain then writes to {@code dest} and the
     * ledger follows; without it the domain keeps its chain and {@code dest} is a copy of the disk
     * as of the moment the job was finished.
     *
     * @param dest   an absolute path that does not exist yet, already confined by the caller
     * @param format the copy's format: qcow2, or raw for a full copy
     */
    record BlockCopy(String disk, String dest, boolean shallow, dev.virtchain.model.ImageFormat format, boolean pivot)
            implements Intent {
        @Override
        public String kind() {
            return "blockcopy";
        }

        @Override
        public String describe() {
            return "copy " + disk + " to " + dest + (pivot ? " and switch to it" : "");
        }

        public BlockCopy {
            Objects.requireNonNull(disk, "disk");
            Objects.requireNonNull(dest, "dest");
            Objects.requireNonNull(format, "format");
        }
    }
}
