package dev.virtchain.daemon.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.daemon.control.CommandArgs;
import dev.virtchain.daemon.control.CommandFailure;
import dev.virtchain.daemon.control.CommandHandler;
import dev.virtchain.daemon.ProgressSink;
import dev.virtchain.daemon.exec.OperationRunner;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.plan.Intent;
import java.util.Set;

/**
 * {@code flatten DOMAIN DISK [--bandwidth MiB/s]}: makes the disk's active image standalone
 * (a live pull, or an offline rebase). Snapshots stay; bases nothing needs any more leave the
 * ledger but stay on disk (others may share them), so {@code removed} lists only files deleted.
 */
final class FlattenCommand implements CommandHandler {
    static final String NAME = "flatten";

    private final Context cx;

    FlattenCommand(Context cx) {
        this.cx = cx;
    }

    @Override
    public JsonNode handle(CommandArgs args, ProgressSink progress) throws CommandFailure {
        args.allowOnly(Set.of("domain", "disk", "bandwidth"));
        String domain = ManagedDomain.name(args, "domain", "domain", null);
        String disk = ManagedDomain.name(args, "disk", "disk target", domain);
        long bandwidth = Arguments.bandwidth(args);
        Ledger ledger = cx.ledger(domain);
        if (ledger.disk(disk).isEmpty()) {
            throw Failures.of(new dev.virtchain.model.UnknownDisk(domain, disk, ledger.diskTargets()), domain);
        }
        OperationRunner.Result r = cx.operations().run(domain, new Intent.Flatten(disk),
                new OperationRunner.Options(false, bandwidth, false), progress);
        ObjectNode data = Shapes.operation(NAME, domain, "done");
        data.put("bytesCopied", r.plan().estimatedBytes());
        Shapes.strings(data.putArray("removed"), r.plan().unlinks());
        data.put("disk", disk);
        data.set("plan", Shapes.plan(r.plan()));
        return data;
    }
}
