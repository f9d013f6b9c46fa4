package dev.virtchain.daemon.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.daemon.Lifecycle;
import dev.virtchain.daemon.RecoverySummary;
import dev.virtchain.daemon.config.DaemonConfig;
import dev.virtchain.daemon.control.CommandArgs;
import dev.virtchain.daemon.control.CommandFailure;
import dev.virtchain.daemon.control.CommandHandler;
import dev.virtchain.daemon.control.Json;
import dev.virtchain.daemon.control.ProgressSink;
import dev.virtchain.daemon.schedule.AssignmentStatus;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@code status}: the daemon's version, pid, phase and uptime, what recovery did, every policy
 * assignment with its next and last runs, and the block jobs under way. The fields are listed
 * in docs/protocol.md.
 */
public final class StatusCommand implements CommandHandler {

    public static final String NAME = "status";

    private final DaemonConfig config;
    private final Lifecycle lifecycle;
    private final String version;
    private final long pid;
    private final Supplier<List<AssignmentStatus>> policies;
    private final RunningJobs jobs;

    public StatusCommand(DaemonConfig config, Lifecycle lifecycle, String version, long pid,
                         Supplier<List<AssignmentStatus>> policies, RunningJobs jobs) {
        this.config = Objects.requireNonNull(config, "config");
        this.lifecycle = Objects.requireNonNull(lifecycle, "lifecycle");
        this.version = Objects.requireNonNull(version, "version");
        this.pid = pid;
        this.policies = Objects.requireNonNull(policies, "policies");
        this.jobs = Objects.requireNonNull(jobs, "jobs");
    }

    @Override
    public JsonNode handle(CommandArgs args, ProgressSink progress) throws CommandFailure {
        args.allowOnly(Set.of());
        ObjectNode data = Json.object();
        data.put("version", version);
        data.put("pid", pid);
        data.put("phase", lifecycle.phase().name().toLowerCase(Locale.ROOT));
        data.set("startedAt", Json.time(lifecycle.startedAt()));
        data.put("uptimeSeconds", lifecycle.uptime().toSeconds());
        data.put("connect", config.connectUri());
        data.put("stateDir", config.stateDir().toString());
        data.put("socket", config.socketPath().toString());
        data.set("recovery", recovery());

        ArrayNode list = data.putArray("policies");
        for (AssignmentStatus s : policies.get()) {
            ObjectNode p = list.addObject();
            p.put("policy", s.policy());
            p.put("domain", s.domain());
            p.put("schedule", s.schedule());
            p.set("nextRun", Json.time(s.nextRun()));
            p.set("lastRun", Json.time(s.lastRun()));
            p.set("lastSuccess", Json.time(s.lastSuccess()));
            p.set("lastFailure", Json.time(s.lastFailure()));
            p.put("lastFailureMessage", s.lastFailureMessage());
            p.put("running", s.running());
        }

        ArrayNode running = data.putArray("jobs");
        for (RunningJob j : jobs.running()) {
            ObjectNode o = running.addObject();
            o.put("domain", j.domain());
            o.put("disk", j.disk());
            o.put("kind", j.kind());
            o.put("snapshot", j.snapshot());
            o.put("done", j.done());
            o.put("total", j.total());
            o.set("startedAt", Json.time(j.startedAt()));
        }
        return data;
    }

    private JsonNode recovery() {
        if (lifecycle.recovery().isEmpty()) {
            return NullNode.getInstance();
        }
        RecoverySummary r = lifecycle.recovery().get();
        ObjectNode o = Json.object();
        o.set("finishedAt", Json.time(r.finishedAt()));
        o.put("completed", r.completed());
        o.put("rolledBack", r.rolledBack());
        ArrayNode unresolved = o.putArray("unresolved");
        r.unresolved().forEach(unresolved::add);
        return o;
    }
}
