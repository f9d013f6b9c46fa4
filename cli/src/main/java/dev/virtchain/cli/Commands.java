package dev.virtchain.cli;

import java.util.List;

/**
 * The command table: every command, its positional arguments and options, and their help.
 * Parsing, {@code --help}, the man page and the bash completion are all derived from it, so a
 * command exists once, here.
 *
 * <p>In the request sent to the daemon, a positional argument is keyed by {@link Positional#key}
 * and an option by its long name without the dashes. An option that has a default is always
 * sent (with the default when absent); an absent flag or an absent option without a default is
 * left out, and the daemon reads a missing flag as {@code false}.
 */
final class Commands {
    private Commands() {
    }

    /** What a value is, which decides how it is checked and how it is sent. */
    enum Type {
        /** A libvirt domain name; checked for obvious mistakes, sent as a string. */
        DOMAIN,
        /** A snapshot name; same checks. */
        SNAPSHOT,
        /** A disk target such as {@code vda}; same checks. */
        DISK,
        /** Comma-separated disk targets, sent as an array of strings. */
        DISKS,
        /** A file; made absolute against the client's working directory, since the daemon has its own. */
        PATH,
        /** Free text, sent as given. */
        TEXT,
        /** A schedule; the daemon checks the syntax. */
        CRON,
        /** A whole number not below the option's minimum, sent as a number. */
        INTEGER,
        /** One of the option's choices. */
        CHOICE,
        /** Present or not; sent as {@code true} when present. */
        FLAG
    }

    enum Arity {
        ONE, OPTIONAL, MANY
    }

    record Positional(String metavar, String key, Type type, Arity arity, String help) {
    }

    record Option(String name, String metavar, Type type, List<String> choices, String defaultValue,
                  long min, boolean required, String help) {
        /** The key of this option in the request's {@code args}. */
        String key() {
            return name;
        }
    }

    record Command(String name, List<Positional> positionals, List<Option> options, String summary,
                   String description) {
        Option option(String name) {
            for (Option option : options) {
                if (option.name.equals(name)) {
                    return option;
                }
            }
            return null;
        }
    }

    /** The client-side command that shows help; it never reaches the daemon. */
    static final String HELP = "help";

    // ---- building blocks ----

    private static Positional one(String metavar, String key, Type type, String help) {
        return new Positional(metavar, key, type, Arity.ONE, help);
    }

    private static Positional optional(String metavar, String key, Type type, String help) {
        return new Positional(metavar, key, type, Arity.OPTIONAL, help);
    }

    private static Positional many(String metavar, String key, Type type, String help) {
        return new Positional(metavar, key, type, Arity.MANY, help);
    }

    private static Option flag(String name, String help) {
        return new Option(name, null, Type.FLAG, List.of(), null, 0, false, help);
    }

    private static Option value(String name, String metavar, Type type, String help) {
        return new Option(name, metavar, type, List.of(), null, 0, false, help);
    }

    private static Option integer(String name, String metavar, long min, String help) {
        return new Option(name, metavar, Type.INTEGER, List.of(), null, min, false, help);
    }

    private static Option choice(String name, String defaultValue, List<String> choices, String help) {
        return new Option(name, String.join("|", choices), Type.CHOICE, choices, defaultValue, 0, false, help);
    }

    private static Command command(String name, List<Positional> positionals, List<Option> options,
                                   String summary, String description) {
        return new Command(name, positionals, options, summary, description);
    }

    private static final Positional DOMAIN = one("DOMAIN", "domain", Type.DOMAIN, "the libvirt domain");
    private static final Positional SNAPSHOT = one("NAME", "name", Type.SNAPSHOT, "the snapshot");
    private static final Positional DISK = one("DISK", "disk", Type.DISK, "the disk target, e.g. vda");

    private static final Option BANDWIDTH = integer("bandwidth", "MIB/S", 1,
            "limit the block job to this many MiB/s (default: the daemon's configured limit)");
    private static final Option DRY_RUN = flag("dry-run",
            "print the plan (steps, bytes to copy, files to remove) and change nothing");
    private static final Option QUIESCE = choice("quiesce", "auto", List.of("yes", "no", "auto"),
            "freeze guest file systems through the guest agent, waiting at most the daemon's agent-timeout "
                    + "(default 10 s): yes fails without the agent and changes nothing, no takes a "
                    + "crash-consistent snapshot, auto quiesces when it can and records which it got and why");

    /** Every command the daemon serves, in the order help lists them. */
    static final List<Command> ALL = List.of(
            command("status", List.of(), List.of(),
                    "daemon health, recovery results, drift, policies' last runs, running jobs",
                    "Shows whether virtchaind is healthy; what recovery found and did at start-up "
                            + "(operations finished or rolled back after a crash); drift, i.e. disks whose "
                            + "live backing chain differs from the ledger; each policy's last and next run; "
                            + "and the block jobs now running."),
            command("domains", List.of(), List.of(),
                    "managed domains: disks, chain depth, snapshot count, policy; why each is managed or not",
                    "Lists the domains virtchaind manages with their disks, the depth of the "
                            + "deepest backing chain, how many snapshots they have, their policy's schedule "
                            + "and why each is managed; then the domains libvirt has that this host does not "
                            + "manage, with the reason (the manage, manage-match and manage-exclude settings)."),
            command("snapshot-create",
                    List.of(DOMAIN, optional("NAME", "name", Type.SNAPSHOT,
                            "the new snapshot's name (default: one made from the time)")),
                    List.of(QUIESCE,
                            value("description", "TEXT", Type.TEXT, "a note kept with the snapshot"),
                            value("disks", "vda,vdb", Type.DISKS, "only these disks (default: every disk)")),
                    "take an atomic external disk-only snapshot",
                    "Takes an atomic external disk-only snapshot: each disk's active image is "
                            + "frozen and becomes the snapshot's holder, and a new overlay becomes active. "
                            + "Works whether the domain is running or shut off."),
            command("snapshot-list", List.of(DOMAIN),
                    List.of(flag("tree", "show snapshots as a parent/child tree")),
                    "list a domain's snapshots",
                    "Lists the snapshots of a domain, oldest first, with their parent, consistency "
                            + "(quiesced or crash) and origin (manual, policy, adopted, revert)."),
            command("snapshot-info", List.of(DOMAIN, SNAPSHOT), List.of(),
                    "show one snapshot: times, parent, children, the file holding each disk",
                    "Shows one snapshot in full, including for each disk the image that holds "
                            + "its point in time now (deletes of other snapshots can move it)."),
            command("snapshot-delete",
                    List.of(DOMAIN, many("NAME", "names", Type.SNAPSHOT, "the snapshots to delete")),
                    List.of(DRY_RUN,
                            flag("no-wait", "return once the block jobs have started; follow them with job-list"),
                            BANDWIDTH),
                    "delete snapshots, merging their data by the cheapest plan",
                    "Deletes one or more snapshots, live or offline, at any position in the chain. "
                            + "virtchaind plans the cheapest merge (pull or commit, adjacent deletions in one "
                            + "job), never commits into an image that others depend on, and removes a file "
                            + "only once no chain uses it. Interrupting the client does not stop the "
                            + "operation; use job-abort for that."),
            command("snapshot-revert", List.of(DOMAIN, SNAPSHOT),
                    List.of(flag("force", "stop a running domain hard first (virsh destroy) and start it again"
                                    + " afterwards"),
                            flag("shutdown", "shut a running domain down cleanly first (guest agent, else ACPI)"
                                    + " and start it again afterwards"),
                            integer("shutdown-timeout", "SECONDS", 1,
                                    "with --shutdown, how long to wait for the guest to be off (default 120)"),
                            DRY_RUN),
                    "make a snapshot's state active again, keeping the current state",
                    "Reverts non-destructively: the current state is kept as a new snapshot first, "
                            + "then a new overlay on the snapshot's holders becomes active. A running domain "
                            + "must be shut off, or given --shutdown or --force. With --shutdown the guest is "
                            + "asked to shut down (through its guest agent, else the ACPI power button) and "
                            + "the kept state is quiesced; if it is not off within --shutdown-timeout, nothing "
                            + "is reverted. With --force the guest is stopped hard and the kept state is "
                            + "crash-consistent."),
            command("chain", List.of(DOMAIN, optional("DISK", "disk", Type.DISK, "only this disk")),
                    List.of(),
                    "the image tree per disk: files, sizes, the snapshot each holds, the active image",
                    "Shows, for each disk, the tree of images (reverts and clones make it a tree), "
                            + "each file's allocated and virtual size, the snapshots it holds and which "
                            + "image is active."),
            command("du", List.of(DOMAIN), List.of(),
                    "per snapshot: bytes held exclusively; bytes a delete would copy, and how",
                    "Shows, for each snapshot, the bytes only it holds and what deleting it alone "
                            + "would copy, and by which method (pull, commit, or keep a tombstone)."),
            command("clone",
                    List.of(DOMAIN, SNAPSHOT, one("NEW-DOMAIN", "new-domain", Type.DOMAIN, "the new domain's name")),
                    List.of(),
                    "create a new domain from a snapshot with thin overlays",
                    "Defines a new domain whose disks are thin overlays on the snapshot's holders, "
                            + "with a copied definition made as virt-clone makes one: new name, UUID and MAC "
                            + "addresses, and new paths for every per-domain file (file consoles and serials, "
                            + "chardev logs, channel sockets), so the clone can run beside its origin. The "
                            + "UEFI variable store is copied to NEW-DOMAIN_VARS.fd beside the origin's, and an "
                            + "emulated TPM's state (swtpm's directory of the origin's UUID, or the path its "
                            + "<source> names) to the clone's, owner, group and mode kept, so that keys sealed "
                            + "to the TPM still open; both hold the origin's state at the time of the clone. "
                            + "A managed save starts afresh. The holders become protected while the clone "
                            + "uses them."),
            command("flatten", List.of(DOMAIN, DISK), List.of(BANDWIDTH),
                    "copy all backing data into the active image",
                    "Makes a disk's active image standalone: a block pull with no base when running, "
                            + "qemu-img convert when shut off."),
            command("blockcopy",
                    List.of(DOMAIN, DISK, one("DEST", "dest", Type.PATH,
                            "the new destination image, under a directory of copy-dirs")),
                    List.of(flag("shallow", "copy only the active image, keeping its backing chain"),
                            flag("pivot", "switch the domain to the copy when it is complete "
                                    + "(otherwise it keeps running on the original)"),
                            choice("format", "qcow2", List.of("qcow2", "raw"), "the destination's format"),
                            BANDWIDTH, DRY_RUN),
                    "copy a disk to a new image, optionally switching to it",
                    "Copies a disk while the domain runs (blockcopy). With --pivot the domain "
                            + "switches to the copy once it is complete. DEST must be a new file in a "
                            + "directory under copy-dirs of the daemon's configuration (by default "
                            + "<state-dir>/copies) that only root can write; virtchaind creates it (mode "
                            + "0600) and libvirt reuses it, so nothing outside those directories is "
                            + "created, followed or overwritten."),
            command("export",
                    List.of(DOMAIN, SNAPSHOT, one("DEST", "dest", Type.PATH,
                            "a directory under export-dirs (one image per disk and a manifest), or a new "
                                    + "file there for one disk")),
                    List.of(value("disk", "DISK", Type.DISK, "export this disk only"),
                            value("since", "NAME", Type.SNAPSHOT,
                            "write only what changed since this earlier snapshot, as qcow2 overlays")),
                    "write a snapshot as standalone images, or the difference between two",
                    "Writes a snapshot's point in time as standalone qcow2 images, one per disk, or "
                            + "with --since the difference from an earlier snapshot as qcow2 overlays on that "
                            + "snapshot's holders. Holders are read-only, so this is safe while the domain "
                            + "runs. When DEST is a directory, each disk goes to DOMAIN-NAME-DISK.qcow2 "
                            + "(DOMAIN-SINCE-NAME-DISK.qcow2 with --since) and a manifest DOMAIN-NAME.json "
                            + "(DOMAIN-NAME-DISK.json with --disk) names the domain, snapshot, consistency "
                            + "and, per disk, the file, format, backing, virtual size and the SHA-256 of what "
                            + "the guest saw. When DEST is not a directory it is the new file for the one "
                            + "disk exported (a snapshot of one disk, or --disk), and no manifest is "
                            + "written. DEST must be in a directory under export-dirs of the daemon's "
                            + "configuration (by default <state-dir>/exports) that only root can write, and "
                            + "no file it writes may exist. Each image is written to .FILE.partial, checked, "
                            + "and only then given its name, so it exists only complete; the manifest is "
                            + "written last."),
            command("job-list", List.of(optional("DOMAIN", "domain", Type.DOMAIN, "only this domain")),
                    List.of(),
                    "list running block jobs",
                    "Lists the block jobs virtchaind is running or watching, with their progress."),
            command("job-abort", List.of(DOMAIN, DISK), List.of(),
                    "abort the block job on a disk and roll its operation back",
                    "Aborts the block job running on a disk; the operation it belongs to is rolled "
                            + "back to a consistent state."),
            command("policy-set", List.of(DOMAIN),
                    List.of(new Option("schedule", "CRON", Type.CRON, List.of(), null, 0, true,
                                    "when to take snapshots (Quartz cron, e.g. '0 0 2 * * ?')"),
                            integer("keep-last", "N", 0, "keep the N newest snapshots"),
                            integer("keep-hourly", "N", 0, "keep the last snapshot of each of the last N hours"),
                            integer("keep-daily", "N", 0, "keep the last snapshot of each of the last N days"),
                            integer("keep-weekly", "N", 0, "keep the last snapshot of each of the last N weeks"),
                            integer("keep-monthly", "N", 0, "keep the last snapshot of each of the last N months"),
                            integer("keep-yearly", "N", 0, "keep the last snapshot of each of the last N years"),
                            integer("max-depth", "N", 1, "prune further whenever a chain would be deeper than N images"),
                            QUIESCE),
                    "set a domain's snapshot schedule and retention",
                    "Sets (replaces) the domain's policy: snapshots are taken on the schedule and "
                            + "those no keep rule retains are deleted by one merged plan after each run."),
            command("policy-show", List.of(DOMAIN), List.of(),
                    "show a domain's policy and its last and next run",
                    "Shows the domain's schedule, retention rules, and its last and next run."),
            command("policy-remove", List.of(DOMAIN), List.of(),
                    "remove a domain's policy; its snapshots stay",
                    "Removes the domain's policy. Existing snapshots are kept."),
            command("prune", List.of(DOMAIN), List.of(DRY_RUN),
                    "apply the retention policy now",
                    "Deletes the snapshots the domain's policy does not keep, as one merged plan."),
            command("adopt", List.of(DOMAIN), List.of(),
                    "take over chains made by hand and name their points in time",
                    "Takes over a domain whose disks already have backing chains (for example from "
                            + "virsh snapshot-create-as --disk-only): each frozen image becomes a named "
                            + "snapshot in the ledger."));

    /** Options accepted before or after any command. */
    static final List<Option> GLOBAL = List.of(
            value("socket", "PATH", Type.PATH,
                    "the daemon's control socket (default: $VIRTCHAIN_SOCKET, else " + Main.DEFAULT_SOCKET + ")"),
            flag("json", "print the daemon's result as JSON (see JSON.md)"),
            flag("quiet", "print nothing on success"),
            new Option("timeout", "SECONDS", Type.INTEGER, List.of(), Integer.toString(Main.DEFAULT_TIMEOUT_SECONDS), 0,
                    false, "give up when virtchaind sends nothing for this long, exiting with status 3: its first"
                    + " answer must come within it; once an operation reports progress its steps may be silent"
                    + " longer, and only a --timeout given explicitly still applies to them; 0 waits for ever"),
            flag("help", "show help"));

    static Command find(String name) {
        for (Command command : ALL) {
            if (command.name.equals(name)) {
                return command;
            }
        }
        return null;
    }
}
