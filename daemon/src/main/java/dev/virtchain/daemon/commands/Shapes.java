package dev.virtchain.daemon.commands;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.daemon.control.Json;
import dev.virtchain.model.Consistency;
import dev.virtchain.model.Disk;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.Origin;
import dev.virtchain.model.Snapshot;
import dev.virtchain.model.plan.Plan;
import dev.virtchain.model.plan.Step;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * The shared objects of the CLI's JSON contract ({@code cli/JSON.md}: Snapshot, Plan, the
 * Operation result's common members), built from the ledger and plans. Pure: no I/O, so the
 * shapes are tested against the recorded replies without libvirt.
 */
final class Shapes {
    /** The planner's name prefix for the snapshot a revert keeps (see {@code Planner.preRevertName}). */
    private static final String REVERT_PREFIX = "pre-revert-";
    private static final String REVERT_DESCRIPTION = "state before reverting to ";

    private Shapes() {}

    /** A Snapshot: name, created, parent, consistency, consistencyNote, origin, description, disks[{target, file}]. */
    static ObjectNode snapshot(Ledger ledger, Snapshot s) {
        ObjectNode o = Json.object();
        o.put("name", s.name());
        o.set("created", Json.time(s.created()));
        o.put("parent", s.parent());
        o.put("consistency", consistency(s.consistency()));
        o.put("consistencyNote", s.consistencyNote());
        o.put("origin", origin(s));
        o.put("description", s.description());
        ArrayNode disks = o.putArray("disks");
        for (String target : coveredDisks(ledger, s)) {
            ObjectNode d = disks.addObject();
            d.put("target", target);
            d.put("file", s.holder(target));
        }
        return o;
    }

    /** The disks a snapshot covers, in the ledger's disk order. */
    static List<String> coveredDisks(Ledger ledger, Snapshot s) {
        return ledger.diskTargets().stream().filter(s::covers).toList();
    }

    static String consistency(Consistency c) {
        return switch (c) {
            case CRASH -> "crash";
            case QUIESCED -> "quiesced";
        };
    }

    /**
     * {@code manual}, {@code policy}, {@code adopted}, or {@code revert} for the state a revert
     * kept. The ledger records that one as a manual snapshot (its {@link Origin} has no kind for
     * it), named and described by the planner in a fixed way, which is what tells it apart.
     */
    static String origin(Snapshot s) {
        return switch (s.origin().kind()) {
            case POLICY -> "policy";
            case ADOPTED -> "adopted";
            case MANUAL -> s.name().startsWith(REVERT_PREFIX) && s.description() != null
                    && s.description().startsWith(REVERT_DESCRIPTION) ? "revert" : "manual";
        };
    }

    /** A Plan: steps, bytes, removes, ledgerAfter. */
    static ObjectNode plan(Plan plan) {
        ObjectNode o = Json.object();
        ArrayNode steps = o.putArray("steps");
        StepShapes describer = new StepShapes(plan.before(), plan.after());
        for (Step s : plan.steps()) {
            steps.add(describer.shape(s));
        }
        o.put("bytes", plan.estimatedBytes());
        strings(o.putArray("removes"), plan.unlinks());
        if (holdersOrActiveChange(plan.before(), plan.after())) {
            o.set("ledgerAfter", ledgerAfter(plan.after()));
        } else {
            o.putNull("ledgerAfter");
        }
        return o;
    }

    /** A plan with no steps, for a prune that has nothing to delete. */
    static ObjectNode emptyPlan() {
        ObjectNode o = Json.object();
        o.putArray("steps");
        o.put("bytes", 0L);
        o.putArray("removes");
        o.putNull("ledgerAfter");
        return o;
    }

    private static ObjectNode ledgerAfter(Ledger after) {
        ObjectNode o = Json.object();
        ArrayNode snaps = o.putArray("snapshots");
        for (Snapshot s : after.snapshots()) {
            ObjectNode n = snaps.addObject();
            n.put("name", s.name());
            ArrayNode disks = n.putArray("disks");
            for (String target : coveredDisks(after, s)) {
                ObjectNode d = disks.addObject();
                d.put("target", target);
                d.put("file", s.holder(target));
            }
        }
        ArrayNode active = o.putArray("active");
        for (Disk d : after.disks()) {
            ObjectNode a = active.addObject();
            a.put("target", d.target());
            a.put("file", d.active());
        }
        return o;
    }

    /** Whether any snapshot left after the plan has another holder, or any disk another active image. */
    static boolean holdersOrActiveChange(Ledger before, Ledger after) {
        for (Snapshot s : after.snapshots()) {
            var old = before.snapshot(s.name());
            if (old.isEmpty() || !old.get().holders().equals(s.holders())) {
                return true;
            }
        }
        for (Disk d : after.disks()) {
            var old = before.disk(d.target());
            if (old.isEmpty() || !Objects.equals(old.get().active(), d.active())) {
                return true;
            }
        }
        return false;
    }

    /** The start of an Operation result: operation, domain, state. */
    static ObjectNode operation(String operation, String domain, String state) {
        ObjectNode o = Json.object();
        o.put("operation", operation);
        o.put("domain", domain);
        o.put("state", state);
        return o;
    }

    static ArrayNode strings(ArrayNode into, Collection<String> values) {
        values.forEach(into::add);
        return into;
    }
}
