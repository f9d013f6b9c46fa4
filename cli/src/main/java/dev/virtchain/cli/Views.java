package dev.virtchain.cli;

import dev.virtchain.cli.Commands.Command;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The human-readable form of each command's result (the shapes are in {@code cli/JSON.md}).
 * Rendering is lenient: a member the daemon left out prints as {@code -}, never fails.
 */
final class Views {
    private ZoneId zone;

    /** {@code zone} for local times; null means the system's, looked up only when a time is shown. */
    Views(ZoneId zone) {
        this.zone = zone;
    }

    @SuppressWarnings("unchecked")
    String render(Command command, Map<String, Object> args, Object result) {
        if (!(result instanceof Map)) {
            return Json.pretty(result) + "\n";
        }
        Map<String, Object> data = (Map<String, Object>) result;
        switch (command.name()) {
            case "status":
                return status(data);
            case "domains":
                return domains(data);
            case "snapshot-create":
                return created(data, args);
            case "snapshot-list":
                return Json.bool(args, "tree") ? snapshotTree(data, args) : snapshotList(data, args);
            case "snapshot-info":
                return snapshotInfo(data);
            case "snapshot-delete":
            case "snapshot-revert":
            case "prune":
            case "clone":
            case "flatten":
            case "blockcopy":
            case "export":
                return operation(command.name(), data, args);
            case "chain":
                return chain(data);
            case "du":
                return du(data);
            case "job-list":
                return jobs(data);
            case "job-abort":
                return jobAborted(data, args);
            case "policy-set":
            case "policy-show":
                return policy(data, args);
            case "policy-remove":
                return policyRemoved(data, args);
            case "adopt":
                return adopted(data, args);
            default:
                return Json.pretty(data) + "\n";
        }
    }

    private String time(String iso) {
        if (iso == null) {
            return Table.NONE;
        }
        if (zone == null) {
            zone = LocalZone.system();
        }
        return Table.time(iso, zone);
    }

    private static String orNone(String s) {
        return s == null || s.isEmpty() ? Table.NONE : Table.oneLine(s);
    }

    private static String domainOf(Map<String, Object> data, Map<String, Object> args) {
        String domain = Json.string(data, "domain");
        return domain != null ? domain : orNone(Json.string(args, "domain"));
    }

    /** Written out rather than computeIfAbsent: a lambda costs milliseconds at start-up. */
    private static void addChild(Map<String, List<String>> children, String parent, String child) {
        List<String> list = children.get(parent);
        if (list == null) {
            list = new ArrayList<>();
            children.put(parent, list);
        }
        list.add(child);
    }

    private static void field(StringBuilder out, String label, String value) {
        out.append(label).append(':');
        Table.spaces(out, 13 - label.length());
        out.append(value == null ? Table.NONE : Table.oneLine(value)).append('\n');
    }

    private static String plural(long count, String one, String many) {
        return count + " " + (count == 1 ? one : many);
    }

    // ---- status and domains ----

    private String status(Map<String, Object> data) {
        StringBuilder out = new StringBuilder();
        field(out, "Health", Json.string(data, "health"));
        for (String problem : Json.strings(data, "problems")) {
            out.append("  ").append(Table.oneLine(problem)).append('\n');
        }
        Map<String, Object> daemon = Json.object(data, "daemon");
        if (daemon != null) {
            field(out, "Daemon", "virtchaind " + orNone(Json.string(daemon, "version"))
                    + ", pid " + orNone(Json.string(daemon, "pid"))
                    + ", started " + time(Json.string(daemon, "started")));
        }
        Map<String, Object> libvirt = Json.object(data, "libvirt");
        if (libvirt != null) {
            String version = Json.string(libvirt, "version");
            field(out, "libvirt", orNone(Json.string(libvirt, "uri"))
                    + (version == null ? "" : " (" + version + ")")
                    + (Json.bool(libvirt, "connected") ? ", connected" : ", NOT connected"));
        }
        Map<String, Object> recovery = Json.object(data, "recovery");
        if (recovery != null) {
            List<Map<String, Object>> operations = Json.objects(recovery, "operations");
            field(out, "Recovery", time(Json.string(recovery, "finished")) + ", "
                    + (operations.isEmpty() ? "nothing to recover" : plural(operations.size(), "operation", "operations")));
            Table table = new Table("DOMAIN", "OPERATION", "OUTCOME", "MESSAGE");
            for (Map<String, Object> op : operations) {
                table.row(Json.string(op, "domain"), Json.string(op, "operation"), Json.string(op, "outcome"),
                        Json.string(op, "message"));
            }
            if (!table.isEmpty()) {
                out.append(table.render("  "));
            }
        }
        List<Map<String, Object>> drift = Json.objects(data, "drift");
        // Right after a start the daemon is ready before every domain is checked: "none" would claim too much.
        Map<String, Object> check = Json.object(data, "startCheck");
        String unchecked = check == null ? null : Json.string(check, "unchecked");
        String notYet = unchecked == null || unchecked.equals("0") ? ""
                : " (" + unchecked + " of " + orNone(Json.string(check, "total")) + " domains not checked yet)";
        field(out, "Drift", (drift.isEmpty() ? (notYet.isEmpty() ? "none" : "none found yet")
                : plural(drift.size(), "disk", "disks")) + notYet);
        if (!drift.isEmpty()) {
            Table table = new Table("DOMAIN", "DISK", "MESSAGE");
            for (Map<String, Object> d : drift) {
                table.row(Json.string(d, "domain"), Json.string(d, "disk"), Json.string(d, "message"));
            }
            out.append(table.render("  "));
        }
        // Only when there is something to say: a newest snapshot that is crash-consistent against the ask.
        List<Map<String, Object>> fallbacks = Json.objects(data, "quiesceFallbacks");
        if (!fallbacks.isEmpty()) {
            field(out, "Not quiesced", plural(fallbacks.size(), "domain", "domains"));
            Table table = new Table("DOMAIN", "SNAPSHOT", "CREATED", "REASON");
            for (Map<String, Object> f : fallbacks) {
                table.row(Json.string(f, "domain"), Json.string(f, "snapshot"), time(Json.string(f, "created")),
                        Json.string(f, "reason"));
            }
            out.append(table.render("  "));
        }
        List<Map<String, Object>> policies = Json.objects(data, "policies");
        field(out, "Policies", policies.isEmpty() ? "none" : String.valueOf(policies.size()));
        if (!policies.isEmpty()) {
            Table table = new Table("DOMAIN", "SCHEDULE", "LAST RUN", "OUTCOME", "NEXT RUN", "MESSAGE");
            for (Map<String, Object> p : policies) {
                table.row(Json.string(p, "domain"), Json.string(p, "schedule"), time(Json.string(p, "lastRun")),
                        Json.string(p, "lastOutcome"), time(Json.string(p, "nextRun")), Json.string(p, "lastMessage"));
            }
            out.append(table.render("  "));
        }
        List<Map<String, Object>> jobs = Json.objects(data, "jobs");
        field(out, "Jobs", jobs.isEmpty() ? "none" : String.valueOf(jobs.size()));
        if (!jobs.isEmpty()) {
            out.append(jobTable(jobs).render("  "));
        }
        return out.toString();
    }

    private String domains(Map<String, Object> data) {
        List<Map<String, Object>> domains = Json.objects(data, "domains");
        List<Map<String, Object>> unmanaged = Json.objects(data, "unmanaged");
        String managed = managedDomains(domains);
        if (unmanaged.isEmpty()) {
            return managed;
        }
        Table table = new Table("DOMAIN", "STATE", "WHY");
        for (Map<String, Object> d : unmanaged) {
            table.row(Json.string(d, "name"), Json.string(d, "state"), Json.string(d, "why"));
        }
        return managed + "\nNot managed on this host:\n" + table.render("  ");
    }

    private String managedDomains(List<Map<String, Object>> domains) {
        if (domains.isEmpty()) {
            return "No managed domains.\n";
        }
        Table table = new Table("DOMAIN", "STATE", "DISKS", ">DEPTH", ">SNAPSHOTS", "POLICY", "MANAGED BECAUSE");
        for (Map<String, Object> d : domains) {
            List<String> targets = new ArrayList<>();
            long depth = -1;
            for (Map<String, Object> disk : Json.objects(d, "disks")) {
                targets.add(orNone(Json.string(disk, "target")));
                depth = Math.max(depth, Json.number(disk, "depth"));
            }
            long snapshots = Json.number(d, "snapshots");
            table.row(Json.string(d, "name"), Json.string(d, "state"), String.join(",", targets),
                    depth < 0 ? null : String.valueOf(depth), snapshots < 0 ? null : String.valueOf(snapshots),
                    Json.string(d, "policy"), Json.string(d, "why"));
        }
        return table.render("");
    }

    // ---- snapshots ----

    private String created(Map<String, Object> data, Map<String, Object> args) {
        Map<String, Object> snapshot = Json.object(data, "snapshot");
        String consistency = Json.string(snapshot, "consistency");
        StringBuilder out = new StringBuilder("Created snapshot ").append(orNone(Json.string(snapshot, "name")))
                .append(" of ").append(domainOf(data, args));
        String note = Json.string(snapshot, "consistencyNote");
        if (consistency != null) {
            out.append(" (").append(Table.oneLine(consistency));
            if (note != null) {
                out.append(": ").append(Table.oneLine(note));
            }
            out.append(')');
        }
        out.append(".\n");
        return out.toString();
    }

    private String snapshotList(Map<String, Object> data, Map<String, Object> args) {
        List<Map<String, Object>> snapshots = Json.objects(data, "snapshots");
        if (snapshots.isEmpty()) {
            return domainOf(data, args) + " has no snapshots.\n";
        }
        Table table = new Table("NAME", "CREATED", "PARENT", "CONSISTENCY", "ORIGIN");
        for (Map<String, Object> s : snapshots) {
            table.row(Json.string(s, "name"), time(Json.string(s, "created")), Json.string(s, "parent"),
                    Json.string(s, "consistency"), Json.string(s, "origin"));
        }
        return table.render("");
    }

    /** Parent/child as an ASCII tree, children in the daemon's (creation) order. */
    private String snapshotTree(Map<String, Object> data, Map<String, Object> args) {
        List<Map<String, Object>> snapshots = Json.objects(data, "snapshots");
        if (snapshots.isEmpty()) {
            return domainOf(data, args) + " has no snapshots.\n";
        }
        Map<String, Map<String, Object>> byName = new LinkedHashMap<>();
        for (Map<String, Object> s : snapshots) {
            byName.put(orNone(Json.string(s, "name")), s);
        }
        Map<String, List<String>> children = new LinkedHashMap<>();
        List<String> roots = new ArrayList<>();
        for (Map.Entry<String, Map<String, Object>> e : byName.entrySet()) {
            String parent = Json.string(e.getValue(), "parent");
            if (parent == null || !byName.containsKey(parent) || parent.equals(e.getKey())) {
                roots.add(e.getKey());
            } else {
                addChild(children, parent, e.getKey());
            }
        }
        String current = Json.string(data, "current");
        Table table = new Table("NAME", "CREATED", "CONSISTENCY", "ORIGIN");
        Set<String> seen = new HashSet<>();
        for (String root : roots) {
            treeRows(table, root, "", "", byName, children, current, seen);
        }
        // A parent cycle leaves snapshots unreached; show them rather than lose them.
        for (String name : byName.keySet()) {
            if (!seen.contains(name)) {
                treeRows(table, name, "", "", byName, children, current, seen);
            }
        }
        return table.render("");
    }

    private void treeRows(Table table, String name, String lead, String childLead,
                          Map<String, Map<String, Object>> byName, Map<String, List<String>> children,
                          String current, Set<String> seen) {
        if (!seen.add(name)) {
            return;
        }
        Map<String, Object> s = byName.get(name);
        table.row(lead + name + (name.equals(current) ? " (current)" : ""), time(Json.string(s, "created")),
                Json.string(s, "consistency"), Json.string(s, "origin"));
        List<String> kids = children.getOrDefault(name, List.of());
        for (int i = 0; i < kids.size(); i++) {
            boolean last = i == kids.size() - 1;
            treeRows(table, kids.get(i), childLead + (last ? "`-- " : "|-- "), childLead + (last ? "    " : "|   "),
                    byName, children, current, seen);
        }
    }

    private String snapshotInfo(Map<String, Object> s) {
        StringBuilder out = new StringBuilder();
        field(out, "Name", Json.string(s, "name"));
        field(out, "Domain", Json.string(s, "domain"));
        field(out, "Created", time(Json.string(s, "created")));
        field(out, "Parent", Json.string(s, "parent"));
        List<String> children = Json.strings(s, "children");
        field(out, "Children", children.isEmpty() ? null : String.join(", ", children));
        String note = Json.string(s, "consistencyNote");
        String consistency = Json.string(s, "consistency");
        field(out, "Consistency", consistency == null || note == null ? consistency : consistency + " (" + note + ")");
        field(out, "Origin", Json.string(s, "origin"));
        field(out, "Description", Json.string(s, "description"));
        field(out, "Current", Json.bool(s, "current") ? "yes" : "no");
        List<String> clones = Json.strings(s, "clones");
        field(out, "Protected", Json.bool(s, "protected")
                ? "yes" + (clones.isEmpty() ? "" : " (used by " + String.join(", ", clones) + ")") : "no");
        Table table = new Table("DISK", "FILE", "FORMAT", ">VIRTUAL");
        for (Map<String, Object> disk : Json.objects(s, "disks")) {
            table.row(Json.string(disk, "target"), Json.string(disk, "file"), Json.string(disk, "format"),
                    Table.size(Json.number(disk, "virtualSize")));
        }
        out.append("Disks:\n").append(table.render("  "));
        return out.toString();
    }

    // ---- operations that run a plan ----

    private String operation(String name, Map<String, Object> data, Map<String, Object> args) {
        String domain = domainOf(data, args);
        String state = Json.string(data, "state");
        StringBuilder out = new StringBuilder();
        if ("planned".equals(state)) {
            out.append("Plan for ").append(name).append(" of ").append(domain)
                    .append(" (dry run; nothing was changed):\n");
            List<String> deleted = Json.strings(data, "deleted");
            if (!deleted.isEmpty()) {
                out.append("Deletes ").append(String.join(", ", deleted)).append('\n');
            }
            List<String> kept = Json.strings(data, "kept");
            if (!kept.isEmpty()) {
                out.append("Keeps ").append(String.join(", ", kept)).append('\n');
            }
            out.append(plan(Json.object(data, "plan")));
            return out.toString();
        }
        if ("started".equals(state)) {
            out.append("Started ").append(name).append(" of ").append(domain)
                    .append("; follow it with 'virtchain job-list ").append(domain).append("'.\n");
            List<Map<String, Object>> jobs = Json.objects(data, "jobs");
            if (!jobs.isEmpty()) {
                out.append(jobTable(jobs).render("  "));
            }
            return out.toString();
        }
        out.append(summary(name, domain, data, args)).append('\n');
        long copied = Json.number(data, "bytesCopied");
        List<String> removed = Json.strings(data, "removed");
        if (copied >= 0 || !removed.isEmpty()) {
            out.append("Copied ").append(Table.size(Math.max(copied, 0))).append("; removed ")
                    .append(plural(removed.size(), "file", "files")).append(".\n");
        }
        return out.toString();
    }

    private static String summary(String name, String domain, Map<String, Object> data, Map<String, Object> args) {
        switch (name) {
            case "snapshot-delete": {
                List<String> deleted = Json.strings(data, "deleted");
                if (deleted.isEmpty()) {
                    deleted = Json.strings(args, "names");
                }
                String text = "Deleted " + (deleted.size() == 1 ? "snapshot " : "snapshots ")
                        + String.join(", ", deleted) + " of " + domain + ".";
                List<String> tombstones = Json.strings(data, "tombstones");
                if (!tombstones.isEmpty()) {
                    text += "\nKept as tombstones until no other image depends on their files: "
                            + String.join(", ", tombstones) + ".";
                }
                return text;
            }
            case "snapshot-revert": {
                String to = orNone(Json.string(args, "name"));
                String saved = Json.string(data, "savedAs");
                return "Reverted " + domain + " to " + to + "."
                        + (saved == null ? "" : " The previous state is kept as snapshot " + saved + ".");
            }
            case "prune": {
                List<String> deleted = Json.strings(data, "deleted");
                List<String> kept = Json.strings(data, "kept");
                return "Pruned " + domain + ": "
                        + (deleted.isEmpty() ? "nothing to delete" : "deleted " + String.join(", ", deleted))
                        + (kept.isEmpty() ? "" : "; kept " + String.join(", ", kept)) + ".";
            }
            case "clone": {
                String snapshot = orNone(Json.string(args, "name"));
                String clone = Json.string(data, "newDomain");
                clone = clone != null ? clone : orNone(Json.string(args, "new-domain"));
                return "Created domain " + clone + " from snapshot " + snapshot + " of " + domain + "; "
                        + snapshot + "'s images are protected while " + clone + " uses them.";
            }
            case "flatten":
                return "Flattened " + domain + " " + orNone(Json.string(args, "disk")) + ".";
            case "blockcopy": {
                String dest = Json.string(data, "dest");
                return "Copied " + domain + " " + orNone(Json.string(args, "disk")) + " to "
                        + orNone(dest != null ? dest : Json.string(args, "dest")) + "; "
                        + (Json.bool(data, "pivoted") ? domain + " now uses the copy."
                        : domain + " keeps using the original.");
            }
            case "export": {
                String dest = Json.string(data, "dest");
                String since = Json.string(args, "since");
                String manifest = Json.string(data, "manifest");
                int files = Json.objects(data, "files").size();
                return "Exported " + (since == null ? "snapshot " : "the changes from " + since + " to ")
                        + orNone(Json.string(args, "name")) + " of " + domain + " to "
                        + orNone(dest != null ? dest : Json.string(args, "dest"))
                        + (manifest == null ? "" : ": " + files + (files == 1 ? " image" : " images")
                                + " and the manifest " + manifest.substring(manifest.lastIndexOf('/') + 1))
                        + " (" + Table.size(Json.number(data, "bytes")) + ").";
            }
            default:
                return "Done: " + name + " of " + domain + ".";
        }
    }

    /** A plan: its steps, bytes, files to remove, and which file holds each snapshot after it. */
    static String plan(Map<String, Object> plan) {
        StringBuilder out = new StringBuilder();
        List<Map<String, Object>> steps = Json.objects(plan, "steps");
        if (steps.isEmpty()) {
            out.append("No steps: nothing to do.\n");
        } else {
            Table table = new Table(">#", "STEP", "DISK", ">COPIES", "DESCRIPTION");
            int n = 1;
            for (Map<String, Object> step : steps) {
                long bytes = Json.number(step, "bytes");
                table.row(String.valueOf(n++), Json.string(step, "kind"), Json.string(step, "disk"),
                        bytes < 0 ? null : Table.size(bytes), Json.string(step, "description"));
            }
            out.append(table.render("  "));
        }
        out.append("Copies ").append(Table.size(Math.max(0, Json.number(plan, "bytes")))).append(" in all.\n");
        List<String> removes = Json.strings(plan, "removes");
        if (removes.isEmpty()) {
            out.append("Removes no files.\n");
        } else {
            out.append("Removes:\n");
            for (String file : removes) {
                out.append("  ").append(Table.oneLine(file)).append('\n');
            }
        }
        Map<String, Object> ledger = Json.object(plan, "ledgerAfter");
        if (ledger != null) {
            out.append("Afterwards:\n");
            Table table = new Table("SNAPSHOT", "DISK", "HELD BY");
            for (Map<String, Object> snapshot : Json.objects(ledger, "snapshots")) {
                holders(table, Json.string(snapshot, "name"), Json.objects(snapshot, "disks"));
            }
            holders(table, "(active)", Json.objects(ledger, "active"));
            out.append(table.render("  "));
        }
        return out.toString();
    }

    private static void holders(Table table, String name, List<Map<String, Object>> disks) {
        for (Map<String, Object> disk : disks) {
            table.row(name, Json.string(disk, "target"), Json.string(disk, "file"));
        }
    }

    // ---- chains and space ----

    private String chain(Map<String, Object> data) {
        StringBuilder out = new StringBuilder();
        for (Map<String, Object> disk : Json.objects(data, "disks")) {
            if (out.length() > 0) {
                out.append('\n');
            }
            List<Map<String, Object>> images = Json.objects(disk, "images");
            String directory = commonDirectory(images);
            out.append(orNone(Json.string(disk, "target")));
            if (directory != null) {
                out.append(" in ").append(Table.oneLine(directory));
            }
            out.append('\n');
            Map<String, Map<String, Object>> byFile = new LinkedHashMap<>();
            for (Map<String, Object> image : images) {
                byFile.put(orNone(Json.string(image, "file")), image);
            }
            Map<String, List<String>> children = new LinkedHashMap<>();
            List<String> roots = new ArrayList<>();
            for (Map.Entry<String, Map<String, Object>> e : byFile.entrySet()) {
                String backing = Json.string(e.getValue(), "backing");
                if (backing == null || !byFile.containsKey(backing) || backing.equals(e.getKey())) {
                    roots.add(e.getKey());
                } else {
                    addChild(children, backing, e.getKey());
                }
            }
            Table table = new Table("IMAGE", ">SIZE", ">VIRTUAL", "HOLDS", "NOTE");
            Set<String> seen = new HashSet<>();
            for (String root : roots) {
                imageRows(table, root, "", "", byFile, children, directory, seen);
            }
            for (String file : byFile.keySet()) {
                if (!seen.contains(file)) {
                    imageRows(table, file, "", "", byFile, children, directory, seen);
                }
            }
            out.append(table.render("  "));
        }
        return out.length() == 0 ? "No disks.\n" : out.toString();
    }

    private static void imageRows(Table table, String file, String lead, String childLead,
                                  Map<String, Map<String, Object>> byFile, Map<String, List<String>> children,
                                  String directory, Set<String> seen) {
        if (!seen.add(file)) {
            return;
        }
        Map<String, Object> image = byFile.get(file);
        List<String> notes = new ArrayList<>();
        for (String note : new String[] {"active", "tombstone", "protected"}) {
            if (Json.bool(image, note)) {
                notes.add(note);
            }
        }
        String shown = directory != null ? file.substring(directory.length() + 1) : file;
        table.row(lead + shown, Table.size(Json.number(image, "size")), Table.size(Json.number(image, "virtualSize")),
                String.join(", ", Json.strings(image, "snapshots")), String.join(", ", notes));
        List<String> kids = children.getOrDefault(file, List.of());
        for (int i = 0; i < kids.size(); i++) {
            boolean last = i == kids.size() - 1;
            imageRows(table, kids.get(i), childLead + (last ? "`-- " : "|-- "), childLead + (last ? "    " : "|   "),
                    byFile, children, directory, seen);
        }
    }

    /** The one directory all images are in, or null: then full paths are shown. */
    private static String commonDirectory(List<Map<String, Object>> images) {
        String directory = null;
        for (Map<String, Object> image : images) {
            String file = Json.string(image, "file");
            int slash = file == null ? -1 : file.lastIndexOf('/');
            if (slash <= 0) {
                return null;
            }
            String dir = file.substring(0, slash);
            if (directory != null && !directory.equals(dir)) {
                return null;
            }
            directory = dir;
        }
        return directory;
    }

    private String du(Map<String, Object> data) {
        Table table = new Table("SNAPSHOT", ">EXCLUSIVE", ">DELETE COPIES", "HOW");
        for (Map<String, Object> s : Json.objects(data, "snapshots")) {
            long exclusive = Json.number(s, "exclusiveBytes");
            long delete = Json.number(s, "deleteBytes");
            table.row(Json.string(s, "name"), Table.size(exclusive), Table.size(delete), Json.string(s, "deleteHow"));
        }
        StringBuilder out = new StringBuilder();
        if (table.isEmpty()) {
            out.append(domainOf(data, Map.of())).append(" has no snapshots.\n");
        } else {
            out.append(table.render(""));
        }
        out.append("Active layer: ").append(Table.size(Json.number(data, "activeBytes")))
                .append("; all images: ").append(Table.size(Json.number(data, "totalBytes"))).append(".\n");
        return out.toString();
    }

    // ---- jobs ----

    private String jobs(Map<String, Object> data) {
        List<Map<String, Object>> jobs = Json.objects(data, "jobs");
        return jobs.isEmpty() ? "No block jobs.\n" : jobTable(jobs).render("");
    }

    private Table jobTable(List<Map<String, Object>> jobs) {
        Table table = new Table("DOMAIN", "DISK", "KIND", "OPERATION", "STATE", ">DONE", "PROGRESS", "STARTED");
        for (Map<String, Object> job : jobs) {
            long done = Json.number(job, "done");
            long total = Json.number(job, "total");
            String percent = total > 0 && done >= 0 ? ProgressView.fraction(done, total, 100) + "%" : null;
            String progress = done < 0 ? null : Table.size(done) + (total > 0 ? "/" + Table.size(total) : "");
            table.row(Json.string(job, "domain"), Json.string(job, "disk"), Json.string(job, "kind"),
                    Json.string(job, "operation"), Json.string(job, "state"), percent, progress,
                    time(Json.string(job, "started")));
        }
        return table;
    }

    private String jobAborted(Map<String, Object> data, Map<String, Object> args) {
        Map<String, Object> job = Json.object(data, "job");
        String kind = Json.string(job, "kind");
        String operation = Json.string(job, "operation");
        return "Aborted the " + (kind == null ? "block" : Table.oneLine(kind)) + " job on " + domainOf(data, args)
                + " " + orNone(Json.string(args, "disk")) + "."
                + (operation != null && Json.bool(data, "rolledBack") ? " " + Table.oneLine(operation)
                + " was rolled back." : "") + "\n";
    }

    // ---- policies ----

    private String policy(Map<String, Object> data, Map<String, Object> args) {
        String domain = domainOf(data, args);
        Map<String, Object> policy = Json.object(data, "policy");
        if (policy == null) {
            return domain + " has no policy.\n";
        }
        StringBuilder out = new StringBuilder("Policy of ").append(domain).append(":\n");
        field(out, "  Schedule", Json.string(policy, "schedule"));
        Map<String, Object> keep = Json.object(policy, "keep");
        List<String> rules = new ArrayList<>();
        for (String period : new String[] {"last", "hourly", "daily", "weekly", "monthly", "yearly"}) {
            long n = Json.number(keep, period);
            if (n >= 0) {
                rules.add(period + " " + n);
            }
        }
        field(out, "  Keep", rules.isEmpty() ? "every snapshot" : String.join(", ", rules));
        long maxDepth = Json.number(policy, "maxDepth");
        field(out, "  Max depth", maxDepth < 0 ? null : String.valueOf(maxDepth));
        field(out, "  Quiesce", Json.string(policy, "quiesce"));
        String outcome = Json.string(policy, "lastOutcome");
        String message = Json.string(policy, "lastMessage");
        field(out, "  Last run", time(Json.string(policy, "lastRun"))
                + (outcome == null ? "" : " (" + outcome + (message == null ? "" : ": " + message) + ")"));
        field(out, "  Next run", time(Json.string(policy, "nextRun")));
        return out.toString();
    }

    private static String policyRemoved(Map<String, Object> data, Map<String, Object> args) {
        String domain = domainOf(data, args);
        return Json.bool(data, "removed") ? "Removed the policy of " + domain + "; its snapshots stay.\n"
                : domain + " had no policy.\n";
    }

    private String adopted(Map<String, Object> data, Map<String, Object> args) {
        List<Map<String, Object>> snapshots = Json.objects(data, "snapshots");
        StringBuilder out = new StringBuilder("Adopted ").append(domainOf(data, args)).append(": named ")
                .append(plural(snapshots.size(), "point in time", "points in time")).append(".\n");
        if (!snapshots.isEmpty()) {
            out.append(snapshotList(data, args));
        }
        return out.toString();
    }
}
