package dev.virtchain.daemon.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.daemon.control.CommandArgs;
import dev.virtchain.daemon.control.CommandFailure;
import dev.virtchain.daemon.control.CommandHandler;
import dev.virtchain.daemon.control.Json;
import dev.virtchain.daemon.ProgressSink;
import java.util.Optional;
import java.util.Set;

/** {@code job-list [DOMAIN]}: the block jobs (and offline steps) under way, as Jobs. */
final class JobListCommand implements CommandHandler {
    static final String NAME = "job-list";

    private final Context cx;

    JobListCommand(Context cx) {
        this.cx = cx;
    }

    @Override
    public JsonNode handle(CommandArgs args, ProgressSink progress) throws CommandFailure {
        args.allowOnly(Set.of("domain"));
        Optional<String> domain = ManagedDomain.optionalName(args, "domain", "domain", null);
        if (domain.isPresent()) {
            cx.stored(domain.get());
        }
        ObjectNode data = Json.object();
        data.set("jobs", cx.jobs().list(domain.orElse(null)));
        return data;
    }
}
