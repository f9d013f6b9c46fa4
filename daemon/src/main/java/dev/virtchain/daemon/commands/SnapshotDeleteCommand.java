package dev.virtchain.daemon.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.daemon.control.CommandArgs;
import dev.virtchain.daemon.control.CommandFailure;
import dev.virtchain.daemon.control.CommandHandler;
import dev.virtchain.daemon.ProgressSink;
import dev.virtchain.daemon.exec.OperationRunner;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.Tombstone;
import dev.virtchain.model.plan.Intent;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code snapshot-delete DOMAIN NAME... [--dry-run] [--no-wait] [--bandwidth MiB/s]}: deletes
 * snapshots, all of them in one plan. An Operation result: {@code planned} with the plan,
 * {@code started} with the jobs, or {@code done} with the bytes copied and files removed;
 * {@code deleted} names the snapshots and {@code tombstones} those whose files stay for now.
 */
final class SnapshotDeleteCommand implements CommandHandler {
    static final String NAME = "snapshot-delete";

    private final Context cx;

    SnapshotDeleteCommand(Context cx) {
        this.cx = cx;
    }

    @Override
    public JsonNode handle(CommandArgs args, ProgressSink progress) throws CommandFailure {
        args.allowOnly(Set.of("domain", "names", "dry-run", "no-wait", "bandwidth"));
        String domain = ManagedDomain.name(args, "domain", "domain", null);
        Set<String> names = new LinkedHashSet<>();
        for (String n : args.strings("names")) {
            names.add(ManagedDomain.valid(n, "names", "snapshot", domain));
        }
        if (names.isEmpty()) {
            throw CommandFailure.invalidArgument("argument 'names' must name at least one snapshot to delete")
                    .withDomain(domain);
        }
        boolean dryRun = args.flag("dry-run", false);
        boolean noWait = args.flag("no-wait", false);
        long bandwidth = Arguments.bandwidth(args);
        Ledger ledger = cx.ledger(domain);
        for (String n : names) {
            if (ledger.snapshot(n).isEmpty()) {
                throw Failures.of(new dev.virtchain.model.UnknownSnapshot(domain, n), domain);
            }
        }
        Intent.Delete intent = new Intent.Delete(names);
        List<String> deleted = List.copyOf(names);
        if (dryRun) {
            OperationRunner.Result r = cx.operations().plan(domain, intent);
            ObjectNode data = Shapes.operation(NAME, domain, "planned");
            Shapes.strings(data.putArray("deleted"), deleted);
            data.set("plan", Shapes.plan(r.plan()));
            return data;
        }
        OperationRunner.Options options = new OperationRunner.Options(false, bandwidth, false);
        if (noWait) {
            Operations.Started s = cx.operations().start(domain, intent, options);
            if (s.finished().isEmpty()) {
                ObjectNode data = Shapes.operation(NAME, domain, "started");
                Shapes.strings(data.putArray("deleted"), deleted);
                data.set("jobs", s.jobs());
                return data;
            }
            return done(domain, deleted, s.finished().get());
        }
        return done(domain, deleted, cx.operations().run(domain, intent, options, progress));
    }

    static ObjectNode done(String domain, List<String> deleted, OperationRunner.Result r) {
        ObjectNode data = Shapes.operation(NAME, domain, "done");
        Shapes.strings(data.putArray("deleted"), deleted);
        Shapes.strings(data.putArray("tombstones"), tombstones(r.plan().after(), deleted));
        data.put("bytesCopied", r.plan().estimatedBytes());
        Shapes.strings(data.putArray("removed"), r.plan().unlinks());
        data.set("plan", Shapes.plan(r.plan()));
        return data;
    }

    /** The deleted snapshots whose holder files stay as tombstones. */
    static List<String> tombstones(Ledger after, List<String> deleted) {
        Set<String> out = new LinkedHashSet<>();
        for (String n : deleted) {
            for (Tombstone t : after.tombstones()) {
                if (t.snapshot().equals(n)) {
                    out.add(n);
                }
            }
        }
        return new ArrayList<>(out);
    }
}
