package dev.virtchain.daemon.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.daemon.config.Policy;
import dev.virtchain.daemon.control.CommandArgs;
import dev.virtchain.daemon.control.CommandFailure;
import dev.virtchain.daemon.control.CommandHandler;
import dev.virtchain.daemon.control.ErrorCode;
import dev.virtchain.daemon.control.Json;
import dev.virtchain.daemon.ProgressSink;
import dev.virtchain.daemon.domains.SnapshotPolicy;
import dev.virtchain.model.plan.Plan;
import dev.virtchain.model.retention.RetentionCandidate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code prune DOMAIN [--dry-run]}: applies the retention of every policy that applies to the
 * domain now, as a scheduled run would after its snapshot. Each policy prunes only its own
 * snapshots. An Operation result with {@code deleted} and {@code kept}.
 */
final class PruneCommand implements CommandHandler {
    static final String NAME = "prune";

    private final Context cx;

    PruneCommand(Context cx) {
        this.cx = cx;
    }

    @Override
    public JsonNode handle(CommandArgs args, ProgressSink progress) throws CommandFailure {
        args.allowOnly(Set.of("domain", "dry-run"));
        String domain = ManagedDomain.name(args, "domain", "domain", null);
        boolean dryRun = args.flag("dry-run", false);
        cx.stored(domain);
        List<Policy> policies = cx.services().policies().policiesFor(domain);
        if (policies.isEmpty()) {
            throw new CommandFailure(ErrorCode.REFUSED, "no policy applies to domain " + domain
                    + ", so nothing says what to keep; set one with 'virtchain policy-set " + domain
                    + " --schedule ... --keep-daily N' or match it in the configuration").withDomain(domain);
        }
        Set<String> deleted = new LinkedHashSet<>();
        Set<String> kept = new LinkedHashSet<>();
        List<Plan> plans = new ArrayList<>();
        for (Policy p : policies) {
            SnapshotPolicy.PruneResult r;
            try {
                progress.progress("prune", 0, 0, "policy " + p.name() + ": deciding what to keep");
                r = cx.services().policyRun().prune(domain, p, dryRun);
            } catch (RuntimeException e) {
                throw Failures.of(e, domain);
            }
            deleted.addAll(r.deleted());
            r.decision().kept().stream().map(RetentionCandidate::name).forEach(kept::add);
            if (r.operation() != null) {
                plans.add(r.operation().plan());
            }
        }
        kept.removeAll(deleted);
        ObjectNode data = Shapes.operation(NAME, domain, dryRun ? "planned" : "done");
        Shapes.strings(data.putArray("deleted"), deleted);
        Shapes.strings(data.putArray("kept"), kept);
        if (dryRun) {
            data.set("plan", merged(plans));
            return data;
        }
        long bytes = 0;
        List<String> removed = new ArrayList<>();
        for (Plan p : plans) {
            bytes += p.estimatedBytes();
            removed.addAll(p.unlinks());
        }
        data.put("bytesCopied", bytes);
        Shapes.strings(data.putArray("removed"), removed);
        if (plans.isEmpty()) {
            data.putNull("plan");
        } else {
            data.set("plan", merged(plans));
        }
        return data;
    }

    /** One Plan shape for the plans of several policies, in the order they ran. */
    static ObjectNode merged(List<Plan> plans) {
        if (plans.isEmpty()) {
            return Shapes.emptyPlan();
        }
        if (plans.size() == 1) {
            return Shapes.plan(plans.get(0));
        }
        ObjectNode o = Json.object();
        ArrayNode steps = o.putArray("steps");
        ArrayNode removes = Json.array();
        long bytes = 0;
        for (Plan p : plans) {
            Shapes.plan(p).withArray("steps").forEach(steps::add);
            p.unlinks().forEach(removes::add);
            bytes += p.estimatedBytes();
        }
        o.put("bytes", bytes);
        o.set("removes", removes);
        o.set("ledgerAfter", Shapes.plan(plans.get(plans.size() - 1)).get("ledgerAfter"));
        return o;
    }
}
