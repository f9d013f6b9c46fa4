package dev.virtchain.daemon.commands;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.daemon.control.Json;
import dev.virtchain.model.Disk;
import dev.virtchain.model.Image;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.Snapshot;
import dev.virtchain.model.Tombstone;
import dev.virtchain.model.plan.Step;
import java.util.ArrayList;
import java.util.List;

/**
 * One Plan step as the CLI shows it: {@code kind}, {@code disk}, {@code top}, {@code base},
 * {@code bytes} and a one-line {@code description} naming files by their file names. Walks a
 * plan in order and follows its ledger updates, so a description reads the chains as they are
 * when that step runs.
 */
final class StepShapes implements Step.Visitor<ObjectNode> {
    private Ledger ledger;
    private final Ledger after;

    StepShapes(Ledger before, Ledger after) {
        this.ledger = before;
        this.after = after;
    }

    ObjectNode shape(Step s) {
        return s.accept(this);
    }

    private static ObjectNode step(String kind, String disk, String top, String base, long bytes, String description) {
        ObjectNode o = Json.object();
        o.put("kind", kind);
        o.put("disk", disk);
        o.put("top", top);
        o.put("base", base);
        o.put("bytes", bytes);
        o.put("description", description);
        return o;
    }

    @Override
    public ObjectNode createOverlay(Step.CreateOverlay s) {
        return step("create-overlay", s.disk(), s.path(), s.backing(), 0,
                "create " + name(s.path()) + " on " + name(s.backing()));
    }

    @Override
    public ObjectNode takeSnapshot(Step.TakeSnapshot s) {
        List<String> parts = new ArrayList<>();
        s.overlays().forEach((disk, overlay) -> parts.add(disk + " to " + name(overlay)));
        // Not one of JSON.md's kinds yet ("kind" may gain values): one libvirt call switching every disk.
        return step("snapshot", null, null, null, 0, "take snapshot " + s.snapshot() + " (quiesce "
                + s.quiesce().name().toLowerCase(java.util.Locale.ROOT) + "), switching " + String.join(", ", parts));
    }

    @Override
    public ObjectNode blockCommit(Step.BlockCommit s) {
        List<String> committed = between(s.disk(), s.top(), s.base());
        String what = committed.size() <= 1 ? name(s.top()) : joinNames(committed);
        String how = s.active() ? " (active commit; the guest then writes to " + name(s.base()) + ")"
                : committed.size() > 1 ? " (one job)" : "";
        return step(s.active() ? "active-commit" : "commit", s.disk(), s.top(), s.base(), s.estimatedBytes(),
                "commit " + what + " into " + name(s.base()) + how);
    }

    @Override
    public ObjectNode pivot(Step.Pivot s) {
        return step("pivot", s.disk(), s.newActive(), null, 0, "switch " + s.disk() + " to " + name(s.newActive()));
    }

    @Override
    public ObjectNode blockPull(Step.BlockPull s) {
        List<String> pulled = s.base() == null ? below(s.disk(), s.image()) : between(s.disk(), s.image(), s.base());
        pulled.remove(s.image());
        String what = pulled.isEmpty() ? "the backing chain" : joinNames(pulled);
        return step("pull", s.disk(), s.image(), s.base(), s.estimatedBytes(), "pull " + what + " into "
                + name(s.image()));
    }

    @Override
    public ObjectNode offlineRebase(Step.OfflineRebase s) {
        if (!s.safe()) {
            return step("rebase", s.disk(), s.image(), s.newBacking(), 0, "point " + name(s.image()) + " at "
                    + (s.newBacking() == null ? "no backing file" : name(s.newBacking())));
        }
        List<String> pulled = s.newBacking() == null ? below(s.disk(), s.image())
                : between(s.disk(), s.image(), s.newBacking());
        pulled.remove(s.image());
        String what = pulled.isEmpty() ? "the backing chain" : joinNames(pulled);
        return step("pull", s.disk(), s.image(), s.newBacking(), s.estimatedBytes(), "pull " + what + " into "
                + name(s.image()) + " (offline rebase)");
    }

    @Override
    public ObjectNode offlineCommit(Step.OfflineCommit s) {
        List<String> committed = between(s.disk(), s.top(), s.base());
        String what = committed.size() <= 1 ? name(s.top()) : joinNames(committed);
        return step("commit", s.disk(), s.top(), s.base(), s.estimatedBytes(), "commit " + what + " into "
                + name(s.base()) + " (offline, qemu-img)");
    }

    @Override
    public ObjectNode convert(Step.Convert s) {
        return step("convert", s.disk(), s.source(), null, s.estimatedBytes(), "write the point in time of "
                + name(s.source()) + " to " + s.dest() + " as a standalone image");
    }

    @Override
    public ObjectNode convertDiff(Step.ConvertDiff s) {
        return step("convert", s.disk(), s.source(), s.backing(), s.estimatedBytes(), "write what "
                + name(s.source()) + " adds to " + name(s.backing()) + " to " + s.dest());
    }

    @Override
    public ObjectNode setDiskSource(Step.SetDiskSource s) {
        return step("define", s.disk(), s.path(), null, 0, "make " + name(s.path()) + " the active image of "
                + s.disk() + " in the domain definition");
    }

    @Override
    public ObjectNode stopDomain(Step.StopDomain s) {
        return step("stop", null, null, null, 0, s.graceful() ? "shut " + ledger.domainName()
                + " down (guest agent, else ACPI), waiting up to " + s.shutdownSeconds() + " s"
                : "stop " + ledger.domainName());
    }

    @Override
    public ObjectNode startDomain(Step.StartDomain s) {
        return step("start", null, null, null, 0, "start " + ledger.domainName());
    }

    @Override
    public ObjectNode defineClone(Step.DefineClone s) {
        List<String> parts = new ArrayList<>();
        s.disks().forEach((disk, path) -> parts.add(disk + " on " + name(path)));
        return step("define", null, null, null, 0, "define domain " + s.newDomain() + " from " + ledger.domainName()
                + " with " + String.join(", ", parts));
    }

    @Override
    public ObjectNode unlink(Step.Unlink s) {
        return step("unlink", s.disk(), s.path(), null, 0, "remove " + name(s.path()));
    }

    @Override
    public ObjectNode updateLedger(Step.UpdateLedger s) {
        String what = ledgerChanges(ledger, s.ledger());
        ledger = s.ledger();
        return step("ledger", null, null, null, 0, what);
    }

    @Override
    public ObjectNode createCopyTarget(Step.CreateCopyTarget s) {
        return step("create-copy-target", s.disk(), s.path(), s.backing(), 0, s.backing() == null
                ? "create " + name(s.path()) + " (empty " + s.format().qemuName() + ", as large as " + s.disk()
                        + ") for the copy"
                : "create " + name(s.path()) + " on " + name(s.backing()) + " for the copy");
    }

    @Override
    public ObjectNode blockCopy(Step.BlockCopy s) {
        return step("copy", s.disk(), s.dest(), null, s.estimatedBytes(), "copy " + (s.shallow()
                ? "the active image of " + s.disk() : "all of " + s.disk()) + " into " + name(s.dest())
                + " until it mirrors the guest's writes");
    }

    @Override
    public ObjectNode finishCopy(Step.FinishCopy s) {
        return s.pivot()
                ? step("pivot", s.disk(), s.dest(), null, 0, "switch " + s.disk() + " to " + name(s.dest()))
                : step("finish-copy", s.disk(), s.dest(), null, 0, "end the copy: " + name(s.dest())
                        + " keeps " + s.disk() + " as of now, the guest stays on its chain");
    }

    /** What a ledger update records, in the words of points in time. */
    static String ledgerChanges(Ledger from, Ledger to) {
        List<String> parts = new ArrayList<>();
        for (Snapshot s : from.snapshots()) {
            if (to.snapshot(s.name()).isEmpty()) {
                parts.add(s.name() + " is deleted");
            }
        }
        for (Snapshot s : to.snapshots()) {
            var old = from.snapshot(s.name());
            if (old.isEmpty()) {
                parts.add("snapshot " + s.name() + " is recorded");
                continue;
            }
            for (var h : s.holders().entrySet()) {
                if (!h.getValue().equals(old.get().holder(h.getKey()))) {
                    parts.add(s.name() + " is now held by " + name(h.getValue())
                            + (s.holders().size() > 1 ? " on " + h.getKey() : ""));
                }
            }
            if (!s.protectedBy().equals(old.get().protectedBy())) {
                parts.add(s.name() + " is protected by " + String.join(", ", s.protectedBy()));
            }
        }
        for (Tombstone t : to.tombstones()) {
            if (from.tombstone(t.disk(), t.image()).isEmpty()) {
                parts.add(name(t.image()) + " stays as a tombstone of " + t.snapshot() + " (" + t.reason() + ")");
            }
        }
        for (Disk d : to.disks()) {
            var old = from.disk(d.target());
            if (old.isPresent() && !old.get().active().equals(d.active())) {
                parts.add(d.target() + " now writes to " + name(d.active()));
            }
        }
        if (to.current() != null && !to.current().equals(from.current())) {
            parts.add("current snapshot is " + to.current());
        }
        return parts.isEmpty() ? "record the new state in the ledger" : String.join("; ", parts);
    }

    /** Images from {@code top} down to, not including, {@code base}, bottom first. */
    private List<String> between(String disk, String top, String base) {
        List<String> chain = chainFrom(disk, top);
        List<String> out = new ArrayList<>();
        for (String image : chain) {
            if (image.equals(base)) {
                break;
            }
            out.add(0, image);
        }
        return out;
    }

    /** Everything below {@code image}, bottom first, plus the image itself last. */
    private List<String> below(String disk, String image) {
        List<String> chain = chainFrom(disk, image);
        List<String> out = new ArrayList<>();
        for (String i : chain) {
            out.add(0, i);
        }
        return out;
    }

    private List<String> chainFrom(String disk, String image) {
        for (Ledger l : List.of(ledger, after)) {
            var d = l.disk(disk);
            if (d.isPresent() && d.get().contains(image)) {
                return d.get().chainFrom(image);
            }
        }
        return List.of(image);
    }

    private static String joinNames(List<String> paths) {
        List<String> names = paths.stream().map(StepShapes::name).toList();
        if (names.size() == 1) {
            return names.get(0);
        }
        return String.join(", ", names.subList(0, names.size() - 1)) + " and " + names.get(names.size() - 1);
    }

    static String name(String path) {
        return path == null ? "(none)" : new Image(path, dev.virtchain.model.ImageFormat.QCOW2, null).fileName();
    }
}
