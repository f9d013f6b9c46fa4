package dev.virtchain.daemon.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.daemon.control.CommandArgs;
import dev.virtchain.daemon.control.CommandFailure;
import dev.virtchain.daemon.control.CommandHandler;
import dev.virtchain.daemon.control.Json;
import dev.virtchain.daemon.ProgressSink;
import dev.virtchain.libvirt.image.CopyCost;
import dev.virtchain.model.Disk;
import dev.virtchain.model.Image;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.Snapshot;
import dev.virtchain.model.Tombstone;
import dev.virtchain.model.plan.Intent;
import dev.virtchain.model.plan.Plan;
import dev.virtchain.model.plan.Step;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.ToLongFunction;

/**
 * {@code du DOMAIN}: per snapshot, the bytes only it holds (its holders' own allocation,
 * {@code qemu-img map} depth 0) and what deleting it alone would copy and how (the planner's
 * dry-run plan for that one deletion); then the active images' and all images' bytes on the
 * host. Planning takes the domain like any operation, so {@code du} answers BUSY while one runs.
 */
final class DuCommand implements CommandHandler {
    static final String NAME = "du";

    private final Context cx;

    DuCommand(Context cx) {
        this.cx = cx;
    }

    /** How one snapshot's deletion is measured: its dry-run plan. */
    @FunctionalInterface
    interface Planning {
        Plan plan(String snapshot) throws CommandFailure;
    }

    @Override
    public JsonNode handle(CommandArgs args, ProgressSink progress) throws CommandFailure {
        args.allowOnly(Set.of("domain"));
        String domain = ManagedDomain.name(args, "domain", "domain", null);
        Ledger ledger = cx.ledger(domain);
        try {
            return du(ledger, name -> cx.operations().plan(domain, Intent.Delete.of(name)).plan(),
                    file -> bytes(cx.imageMap(ledger, file).commitCost()),
                    file -> Math.max(0, cx.imageInfo(ledger, file).actualSize()));
        } catch (RuntimeException e) {
            throw Failures.of(e, domain);
        }
    }

    /**
     * The shape. {@code allocated} is an image's own data (depth 0); {@code onHost} the bytes its
     * file takes (for active images: QEMU may not have flushed their metadata, so the map lags).
     */
    static ObjectNode du(Ledger ledger, Planning planning, ToLongFunction<String> allocated,
                         ToLongFunction<String> onHost) throws CommandFailure {
        ObjectNode data = Json.object();
        data.put("domain", ledger.domainName());
        ArrayNode snaps = data.putArray("snapshots");
        for (Snapshot s : ledger.snapshots()) {
            Plan plan = planning.plan(s.name());
            ObjectNode o = snaps.addObject();
            o.put("name", s.name());
            long exclusive = 0;
            long deleteBytes = 0;
            Set<String> hows = new LinkedHashSet<>();
            ArrayNode disks = Json.array();
            for (String target : Shapes.coveredDisks(ledger, s)) {
                long mine = allocated.applyAsLong(s.holder(target));
                long copies = 0;
                for (Step step : plan.steps()) {
                    ObjectNode shape = new StepShapes(plan.before(), plan.after()).shape(step);
                    if (target.equals(shape.path("disk").textValue())) {
                        copies += step.estimatedBytes();
                    }
                }
                String how = how(plan, s.name(), target);
                ObjectNode d = disks.addObject();
                d.put("target", target);
                d.put("exclusiveBytes", mine);
                d.put("deleteBytes", copies);
                d.put("deleteHow", how);
                exclusive += mine;
                deleteBytes += copies;
                hows.add(how);
            }
            o.put("exclusiveBytes", exclusive);
            o.put("deleteBytes", deleteBytes);
            o.put("deleteHow", String.join("; ", hows));
            o.set("disks", disks);
        }
        long active = 0;
        long total = 0;
        for (Disk d : ledger.disks()) {
            for (Image i : d.images()) {
                long b = onHost.applyAsLong(i.path());
                total += b;
                if (i.path().equals(d.active())) {
                    active += b;
                }
            }
        }
        data.put("activeBytes", active);
        data.put("totalBytes", total);
        return data;
    }

    /** One line: the data-moving step for that disk, or why the file stays, or that nothing is copied. */
    static String how(Plan plan, String snapshot, String disk) {
        for (Tombstone t : plan.after().tombstones()) {
            if (t.snapshot().equals(snapshot) && t.disk().equals(disk)) {
                int children = plan.after().requireDisk(disk).children(t.image()).size();
                return "tombstone: " + StepShapes.name(t.image()) + " has " + children
                        + (children == 1 ? " child" : " children");
            }
        }
        StepShapes shapes = new StepShapes(plan.before(), plan.after());
        for (Step step : plan.steps()) {
            ObjectNode shape = shapes.shape(step);
            String kind = shape.path("kind").textValue();
            if (disk.equals(shape.path("disk").textValue())
                    && Set.of("commit", "active-commit", "pull", "rebase").contains(kind)) {
                return shape.path("description").textValue();
            }
        }
        return "nothing to copy";
    }

    private static long bytes(CopyCost c) {
        return c.dataBytes() + c.zeroBytes();
    }
}
