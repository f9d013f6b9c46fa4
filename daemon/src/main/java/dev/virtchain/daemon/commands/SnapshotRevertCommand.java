package dev.virtchain.daemon.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.daemon.control.CommandArgs;
import dev.virtchain.daemon.control.CommandFailure;
import dev.virtchain.daemon.control.CommandHandler;
import dev.virtchain.daemon.ProgressSink;
import dev.virtchain.daemon.exec.OperationRunner;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.Snapshot;
import dev.virtchain.model.plan.Intent;
import dev.virtchain.model.plan.Plan;
import java.util.Set;

/**
 * {@code snapshot-revert DOMAIN NAME [--force | --shutdown [--shutdown-timeout S]] [--dry-run]}:
 * goes back to a snapshot without losing anything; the state left is kept as a snapshot
 * ({@code savedAs}). A running domain is refused unless {@code --shutdown} shuts it down cleanly
 * (the kept state is then quiesced) or {@code --force} stops it hard (crash-consistent); either
 * way it is started again.
 */
final class SnapshotRevertCommand implements CommandHandler {
    static final String NAME = "snapshot-revert";
    /** How long {@code --shutdown} waits for the guest to be off when no time-out is given. */
    static final long DEFAULT_SHUTDOWN_SECONDS = 120;

    private final Context cx;

    SnapshotRevertCommand(Context cx) {
        this.cx = cx;
    }

    @Override
    public JsonNode handle(CommandArgs args, ProgressSink progress) throws CommandFailure {
        args.allowOnly(Set.of("domain", "name", "force", "dry-run", "shutdown", "shutdown-timeout"));
        String domain = ManagedDomain.name(args, "domain", "domain", null);
        String name = ManagedDomain.name(args, "name", "snapshot", domain);
        boolean force = args.flag("force", false);
        boolean dryRun = args.flag("dry-run", false);
        boolean shutdown = args.flag("shutdown", false);
        java.util.OptionalLong timeout = args.optionalNumber("shutdown-timeout");
        if (timeout.isPresent() && (timeout.getAsLong() < 1 || timeout.getAsLong() > 3600)) {
            throw CommandFailure.invalidArgument("argument 'shutdown-timeout' is in seconds, 1 to 3600, not "
                    + timeout.getAsLong());
        }
        if (shutdown && force) {
            throw CommandFailure.invalidArgument("give --shutdown (shut the guest down cleanly) or --force (stop it"
                    + " hard), not both");
        }
        if (cx.ledger(domain).snapshot(name).isEmpty()) {
            throw Failures.of(new dev.virtchain.model.UnknownSnapshot(domain, name), domain);
        }
        Intent.Revert intent = new Intent.Revert(name, force,
                shutdown ? (int) timeout.orElse(DEFAULT_SHUTDOWN_SECONDS) : 0);
        if (dryRun) {
            OperationRunner.Result r = cx.operations().plan(domain, intent);
            ObjectNode data = Shapes.operation(NAME, domain, "planned");
            data.put("savedAs", savedAs(r.plan()));
            data.put("revertedTo", name);
            data.set("plan", Shapes.plan(r.plan()));
            return data;
        }
        OperationRunner.Result r = cx.operations().run(domain, intent, OperationRunner.Options.DEFAULT, progress);
        ObjectNode data = Shapes.operation(NAME, domain, "done");
        data.put("savedAs", savedAs(r.plan()));
        data.put("bytesCopied", r.plan().estimatedBytes());
        Shapes.strings(data.putArray("removed"), r.plan().unlinks());
        data.put("revertedTo", name);
        data.set("plan", Shapes.plan(r.plan()));
        return data;
    }

    /** The snapshot the plan adds: the state left behind. */
    static String savedAs(Plan plan) {
        Ledger before = plan.before();
        for (Snapshot s : plan.after().snapshots()) {
            if (before.snapshot(s.name()).isEmpty()) {
                return s.name();
            }
        }
        return null;
    }
}
