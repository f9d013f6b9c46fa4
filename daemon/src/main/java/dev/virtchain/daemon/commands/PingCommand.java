package dev.virtchain.daemon.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.daemon.control.CommandArgs;
import dev.virtchain.daemon.control.CommandFailure;
import dev.virtchain.daemon.control.CommandHandler;
import dev.virtchain.daemon.control.Json;
import dev.virtchain.daemon.ProgressSink;
import java.util.Set;

/** {@code ping}: proves the daemon answers and that the caller may talk to it. Result {@code {"pong":true,"version":"…"}}. */
public final class PingCommand implements CommandHandler {

    public static final String NAME = "ping";

    private final String version;

    public PingCommand(String version) {
        this.version = version;
    }

    @Override
    public JsonNode handle(CommandArgs args, ProgressSink progress) throws CommandFailure {
        args.allowOnly(Set.of());
        ObjectNode data = Json.object();
        data.put("pong", true);
        data.put("version", version);
        return data;
    }
}
