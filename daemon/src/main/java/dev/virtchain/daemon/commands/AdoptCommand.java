package dev.virtchain.daemon.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtchain.daemon.control.CommandArgs;
import dev.virtchain.daemon.control.CommandFailure;
import dev.virtchain.daemon.control.Commands;
import dev.virtchain.daemon.control.ErrorCode;
import dev.virtchain.daemon.control.Json;
import dev.virtchain.daemon.control.ProgressSink;
import dev.virtchain.daemon.domains.Services;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.Snapshot;

/** {@code adopt DOMAIN}: take over a domain's chains, naming every backing image. */
final class AdoptCommand {
    static final String NAME = "adopt";

    private AdoptCommand() {}

    static void register(Commands commands, Services s) {
        commands.register(NAME, Commands.Availability.WHEN_READY, (CommandArgs args, ProgressSink progress) -> {
            String domain = args.requiredString("domain");
            Ledger l;
            try {
                l = s.domains().adopt(domain);
            } catch (RuntimeException e) {
                throw new CommandFailure(ErrorCode.REFUSED, e.getMessage()).withDomain(domain);
            }
            var data = Json.object();
            data.put("domain", domain);
            var names = data.putArray("snapshots");
            for (Snapshot sn : l.snapshots()) {
                names.add(sn.name());
            }
            return (JsonNode) data;
        });
    }
}
