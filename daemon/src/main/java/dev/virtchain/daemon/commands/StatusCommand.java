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
import dev.virtchain.daemon.ProgressSink;
import dev.virtchain.daemon.schedule.AssignmentStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@code status}: the daemon's health and why it is degraded, what it is, libvirt's connection,
 * what start-up recovery did, drifted disks, every policy assignment with its runs, and the jobs
 * under way; the shape of {@code cli/JSON.md}. The members docs/protocol.md listed before that
 * shape existed ({@code phase}, {@code startedAt}, {@code stateDir}, …) follow it, unchanged,
 * because clients of protocol version 1 may read them.
 */
public final class StatusCommand implements CommandHandler {

    public static final String NAME = "status";

    private final DaemonConfig config;
    private final Lifecycle lifecycle;
    private final String version;
    private final long pid;
    private final Supplier<List<AssignmentStatus>> policies;
    private final RunningJobs runningJobs;
    private final Supplier<StatusSources> sources;

    public StatusCommand(DaemonConfig config, Lifecycle lifecycle, String version, long pid,
                         Supplier<List<AssignmentStatus>> policies, RunningJobs jobs) {
        this(config, lifecycle, version, pid, policies, jobs, () -> StatusSources.NONE);
    }

    /**
     * @param jobs    the runner's jobs, shown while {@code sources} is still {@link StatusSources#NONE}
     * @param sources libvirt, drift and jobs, once the daemon's services exist
     */
    public StatusCommand(DaemonConfig config, Lifecycle lifecycle, String version, long pid,
                         Supplier<List<AssignmentStatus>> policies, RunningJobs jobs,
                         Supplier<StatusSources> sources) {
        this.config = Objects.requireNonNull(config, "config");
        this.lifecycle = Objects.requireNonNull(lifecycle, "lifecycle");
        this.version = Objects.requireNonNull(version, "version");
        this.pid = pid;
        this.policies = Objects.requireNonNull(policies, "policies");
        this.runningJobs = Objects.requireNonNull(jobs, "jobs");
        this.sources = Objects.requireNonNull(sources, "sources");
    }

    @Override
    public JsonNode handle(CommandArgs args, ProgressSink progress) throws CommandFailure {
        args.allowOnly(Set.of());
        StatusSources src = sources.get();
        boolean live = src != StatusSources.NONE;
        List<String> problems = new ArrayList<>();
        if (lifecycle.phase() != Lifecycle.Phase.READY) {
            problems.add("the daemon is " + phase() + (lifecycle.phase() == Lifecycle.Phase.RECOVERING
                    ? ": commands that change chains answer BUSY until recovery has finished" : ""));
        }
        boolean connected = live && src.libvirtConnected();
        if (live && !connected) {
            problems.add("libvirt at " + config.connectUri() + " is not connected; virtchaind reconnects by itself");
        }
        lifecycle.recovery().ifPresent(r -> r.unresolved().forEach(u -> problems.add("recovery: " + u)));
        StatusSources.StartCheck check = src.startCheck();
        if (check.unchecked() > 0) {
            problems.add(check.unchecked() + " of " + check.total() + " domains not yet checked against their ledgers"
                    + " since the start, so their drift is not known yet; a command about one of them checks it first");
        }
        ArrayNode drift = src.drift();
        drift.forEach(d -> problems.add(d.path("domain").asText()
                + (d.path("disk").isNull() ? "" : " " + d.path("disk").asText())
                + ": live chain differs from the ledger (drift)"));
        for (Map.Entry<String, String> p : new java.util.TreeMap<>(src.policyProblems()).entrySet()) {
            problems.add(p.getKey() + ": its metadata policy is ignored: " + p.getValue());
        }

        ObjectNode data = Json.object();
        data.put("health", problems.isEmpty() ? "ok" : "degraded");
        Shapes.strings(data.putArray("problems"), problems);
        ObjectNode daemon = data.putObject("daemon");
        daemon.put("version", version);
        daemon.put("pid", pid);
        daemon.set("started", Json.time(lifecycle.startedAt()));
        ObjectNode libvirt = data.putObject("libvirt");
        libvirt.put("uri", config.connectUri());
        libvirt.put("connected", connected);
        // The adapter does not ask libvirt for its version; null until it does.
        libvirt.putNull("version");
        data.set("recovery", recovery());
        data.set("drift", drift);
        ObjectNode startCheck = data.putObject("startCheck");
        startCheck.put("unchecked", check.unchecked());
        startCheck.put("total", check.total());
        data.set("quiesceFallbacks", src.quiesceFallbacks());

        ArrayNode list = data.putArray("policies");
        for (AssignmentStatus s : policies.get()) {
            ObjectNode p = list.addObject();
            p.put("domain", s.domain());
            p.put("schedule", s.schedule());
            p.set("lastRun", Json.time(s.lastRun()));
            String outcome = PolicyCommands.outcome(s);
            p.put("lastOutcome", outcome);
            p.put("lastMessage", "failed".equals(outcome) ? s.lastFailureMessage() : null);
            p.set("nextRun", Json.time(s.nextRun()));
            // protocol.md's members of version 1
            p.put("policy", s.policy());
            p.set("lastSuccess", Json.time(s.lastSuccess()));
            p.set("lastFailure", Json.time(s.lastFailure()));
            p.put("lastFailureMessage", s.lastFailureMessage());
            p.put("running", s.running());
        }
        data.set("jobs", live ? src.jobs() : runnerJobs());

        // protocol.md's members of version 1
        data.put("version", version);
        data.put("pid", pid);
        data.put("phase", phase());
        data.set("startedAt", Json.time(lifecycle.startedAt()));
        data.put("uptimeSeconds", lifecycle.uptime().toSeconds());
        data.put("connect", config.connectUri());
        data.put("stateDir", config.stateDir().toString());
        data.put("socket", config.socketPath().toString());
        return data;
    }

    private String phase() {
        return lifecycle.phase().name().toLowerCase(Locale.ROOT);
    }

    private ArrayNode runnerJobs() {
        ArrayNode out = Json.array();
        for (RunningJob j : runningJobs.running()) {
            ObjectNode o = out.addObject();
            o.put("domain", j.domain());
            o.put("disk", j.disk());
            o.put("kind", j.kind());
            o.put("operation", (String) null);
            o.put("state", "running");
            o.put("phase", j.kind());
            o.put("done", j.done());
            o.put("total", j.total());
            o.putNull("bandwidth");
            o.set("started", Json.time(j.startedAt()));
        }
        return out;
    }

    /**
     * JSON.md's {@code finished} and {@code operations} (one entry per problem recovery could not
     * settle: the summary counts the settled ones without naming them), then protocol.md's counts.
     */
    private JsonNode recovery() {
        if (lifecycle.recovery().isEmpty()) {
            return NullNode.getInstance();
        }
        RecoverySummary r = lifecycle.recovery().get();
        ObjectNode o = Json.object();
        o.set("finished", Json.time(r.finishedAt()));
        ArrayNode ops = o.putArray("operations");
        for (String u : r.unresolved()) {
            ObjectNode op = ops.addObject();
            op.put("domain", u.startsWith("domain ") && u.indexOf(':') > 7 ? u.substring(7, u.indexOf(':')) : null);
            op.putNull("operation");
            op.put("outcome", "failed");
            op.put("message", u);
        }
        o.set("finishedAt", Json.time(r.finishedAt()));
        o.put("completed", r.completed());
        o.put("rolledBack", r.rolledBack());
        ArrayNode unresolved = o.putArray("unresolved");
        r.unresolved().forEach(unresolved::add);
        return o;
    }
}
