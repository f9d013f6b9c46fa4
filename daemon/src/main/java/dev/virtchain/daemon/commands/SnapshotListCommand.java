package dev.virtchain.daemon.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.daemon.control.CommandArgs;
import dev.virtchain.daemon.control.CommandFailure;
import dev.virtchain.daemon.control.CommandHandler;
import dev.virtchain.daemon.control.Json;
import dev.virtchain.daemon.ProgressSink;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.Snapshot;
import java.util.Set;

/**
 * {@code snapshot-list DOMAIN [--tree]}: the domain's snapshots, oldest first, each with the
 * file that holds its point in time now. Result {@code {"domain", "current", "snapshots": [Snapshot]}};
 * {@code --tree} changes only how the client draws it.
 */
final class SnapshotListCommand implements CommandHandler {
    static final String NAME = "snapshot-list";

    private final Context cx;

    SnapshotListCommand(Context cx) {
        this.cx = cx;
    }

    @Override
    public JsonNode handle(CommandArgs args, ProgressSink progress) throws CommandFailure {
        args.allowOnly(Set.of("domain", "tree"));
        args.flag("tree", false);
        String domain = ManagedDomain.name(args, "domain", "domain", null);
        return list(cx.ledger(domain));
    }

    static ObjectNode list(Ledger ledger) {
        ObjectNode data = Json.object();
        data.put("domain", ledger.domainName());
        data.put("current", ledger.current());
        ArrayNode list = data.putArray("snapshots");
        for (Snapshot s : ledger.snapshots()) {
            list.add(Shapes.snapshot(ledger, s));
        }
        return data;
    }
}
