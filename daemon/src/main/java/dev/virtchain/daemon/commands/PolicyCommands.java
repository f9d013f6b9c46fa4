package dev.virtchain.daemon.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.daemon.config.ConfigInvalid;
import dev.virtchain.daemon.config.CronSchedule;
import dev.virtchain.daemon.config.InvalidCronException;
import dev.virtchain.daemon.config.Policy;
import dev.virtchain.daemon.config.Retention;
import dev.virtchain.daemon.control.CommandArgs;
import dev.virtchain.daemon.control.CommandFailure;
import dev.virtchain.daemon.control.ErrorCode;
import dev.virtchain.daemon.control.Json;
import dev.virtchain.daemon.ProgressSink;
import dev.virtchain.daemon.domains.SnapshotPolicy;
import dev.virtchain.daemon.schedule.AssignmentStatus;
import dev.virtchain.libvirt.xml.PolicyMetadata;
import dev.virtchain.model.InvalidText;
import dev.virtchain.model.Text;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * {@code policy-set}, {@code policy-show}, {@code policy-remove}: a domain's own snapshot policy,
 * kept in its libvirt {@code <metadata>} so it travels with the domain. After a change the
 * schedule is re-assigned at once. {@code policy-show} shows the domain's own policy, or else
 * the first policy of the configuration file that matches it.
 */
final class PolicyCommands {
    static final String SET = "policy-set";
    static final String SHOW = "policy-show";
    static final String REMOVE = "policy-remove";
    /** A retention count beyond this is a typo, not a plan. */
    private static final long MAX_KEEP = 100_000;
    /** The longest Quartz expression with a year is well under this. */
    private static final int MAX_SCHEDULE = 256;

    private final Context cx;

    PolicyCommands(Context cx) {
        this.cx = cx;
    }

    JsonNode set(CommandArgs args, ProgressSink progress) throws CommandFailure {
        args.allowOnly(Set.of("domain", "schedule", "keep-last", "keep-hourly", "keep-daily", "keep-weekly",
                "keep-monthly", "keep-yearly", "max-depth", "quiesce"));
        String domain = ManagedDomain.name(args, "domain", "domain", null);
        String schedule = args.requiredString("schedule");
        try {
            // Kept in the domain's libvirt metadata and shown by policy-show: stored text like any other.
            Text.requirePrintable("schedule", schedule, MAX_SCHEDULE, domain, null);
        } catch (InvalidText e) {
            throw Failures.of(e, domain);
        }
        try {
            CronSchedule.parse(schedule);
        } catch (InvalidCronException e) {
            throw CommandFailure.invalidArgument("argument 'schedule': " + e.getMessage()).withDomain(domain);
        }
        PolicyMetadata.Quiesce quiesce = switch (args.optionalString("quiesce").orElse("auto")) {
            case "yes" -> PolicyMetadata.Quiesce.REQUIRED;
            case "no" -> PolicyMetadata.Quiesce.OFF;
            case "auto" -> PolicyMetadata.Quiesce.AUTO;
            default -> throw CommandFailure.invalidArgument("argument 'quiesce' must be yes, no or auto");
        };
        PolicyMetadata meta = new PolicyMetadata(schedule, keep(args, "keep-last"), keep(args, "keep-hourly"),
                keep(args, "keep-daily"), keep(args, "keep-weekly"), keep(args, "keep-monthly"),
                keep(args, "keep-yearly"), (int) Arguments.atLeast(args, "max-depth", 1, 10_000).orElse(0), quiesce);
        cx.stored(domain);
        try {
            cx.services().host().writePolicy(domain, meta);
        } catch (RuntimeException e) {
            throw Failures.of(e, domain);
        } finally {
            cx.services().policies().forget(domain);
        }
        reassign(domain);
        ObjectNode data = Json.object();
        data.put("domain", domain);
        data.set("policy", policy(metadataPolicy(domain, meta), status(domain, SnapshotPolicy.METADATA_POLICY)));
        return data;
    }

    JsonNode show(CommandArgs args, ProgressSink progress) throws CommandFailure {
        args.allowOnly(Set.of("domain"));
        String domain = ManagedDomain.name(args, "domain", "domain", null);
        cx.stored(domain);
        Optional<PolicyMetadata> own;
        try {
            own = cx.services().host().readPolicy(domain);
        } catch (RuntimeException e) {
            throw Failures.of(e, domain);
        }
        Policy p = null;
        if (own.isPresent()) {
            p = metadataPolicy(domain, own.get());
        } else {
            List<Policy> all = cx.services().policies().policiesFor(domain);
            p = all.isEmpty() ? null : all.get(0);
        }
        ObjectNode data = Json.object();
        data.put("domain", domain);
        if (p == null) {
            data.putNull("policy");
        } else {
            data.set("policy", policy(p, status(domain, p.name())));
        }
        return data;
    }

    JsonNode remove(CommandArgs args, ProgressSink progress) throws CommandFailure {
        args.allowOnly(Set.of("domain"));
        String domain = ManagedDomain.name(args, "domain", "domain", null);
        cx.stored(domain);
        boolean had;
        try {
            had = cx.services().host().readPolicy(domain).isPresent();
            if (had) {
                cx.services().host().writePolicy(domain, null);
            }
        } catch (RuntimeException e) {
            throw Failures.of(e, domain);
        } finally {
            cx.services().policies().forget(domain);
        }
        if (had) {
            reassign(domain);
        }
        ObjectNode data = Json.object();
        data.put("domain", domain);
        data.put("removed", had);
        return data;
    }

    private Policy metadataPolicy(String domain, PolicyMetadata meta) throws CommandFailure {
        try {
            return SnapshotPolicy.fromMetadata(domain, meta);
        } catch (InvalidCronException | ConfigInvalid e) {
            throw new CommandFailure(ErrorCode.FAILED, "the policy stored in the metadata of " + domain
                    + " cannot be read: " + e.getMessage() + "; set it again with 'virtchain policy-set'", domain,
                    null, null, null, e);
        }
    }

    private void reassign(String domain) throws CommandFailure {
        try {
            cx.schedules().reassign();
        } catch (Exception e) {
            throw new CommandFailure(ErrorCode.FAILED, "the policy of " + domain + " is stored in its metadata, but the"
                    + " schedule could not be updated (" + e.getMessage() + "); restart virtchaind to apply it",
                    domain, null, null, null, e);
        }
    }

    private AssignmentStatus status(String domain, String policy) {
        return cx.schedules().status().stream()
                .filter(s -> s.domain().equals(domain) && s.policy().equals(policy)).findFirst().orElse(null);
    }

    private static int keep(CommandArgs args, String name) throws CommandFailure {
        OptionalLong v = Arguments.atLeast(args, name, 0, MAX_KEEP);
        return (int) v.orElse(0);
    }

    /** The Policy shape; {@code runs} may be null before the schedule knows the assignment. */
    static ObjectNode policy(Policy p, AssignmentStatus runs) {
        ObjectNode o = Json.object();
        o.put("schedule", p.schedule().source());
        ObjectNode keep = o.putObject("keep");
        Retention r = p.retention();
        count(keep, "last", r.keepLast());
        count(keep, "hourly", r.keepHourly());
        count(keep, "daily", r.keepDaily());
        count(keep, "weekly", r.keepWeekly());
        count(keep, "monthly", r.keepMonthly());
        count(keep, "yearly", r.keepYearly());
        count(o, "maxDepth", p.maxDepth());
        o.put("quiesce", p.quiesce().word());
        runs(o, runs);
        return o;
    }

    /** lastRun, lastOutcome, lastMessage, nextRun of an assignment (nulls when unknown). */
    static void runs(ObjectNode o, AssignmentStatus s) {
        o.set("lastRun", Json.time(s == null ? null : s.lastRun()));
        String outcome = s == null ? null : outcome(s);
        o.put("lastOutcome", outcome);
        o.put("lastMessage", "failed".equals(outcome) ? s.lastFailureMessage() : null);
        o.set("nextRun", Json.time(s == null ? null : s.nextRun()));
    }

    /** {@code ok} or {@code failed} for the latest finished run, null before the first. */
    static String outcome(AssignmentStatus s) {
        Instant ok = s.lastSuccess();
        Instant failed = s.lastFailure();
        if (ok == null && failed == null) {
            return null;
        }
        return failed != null && (ok == null || failed.isAfter(ok)) ? "failed" : "ok";
    }

    /** A count of 0 means the rule is off: shown as null, like a count never set. */
    private static void count(ObjectNode o, String name, int value) {
        if (value > 0) {
            o.put(name, value);
        } else {
            o.putNull(name);
        }
    }
}
