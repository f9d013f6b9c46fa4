package dev.virtchain.daemon.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.daemon.control.CommandArgs;
import dev.virtchain.daemon.control.CommandFailure;
import dev.virtchain.daemon.control.CommandHandler;
import dev.virtchain.daemon.control.Json;
import dev.virtchain.daemon.ProgressSink;
import dev.virtchain.daemon.exec.OperationRunner;
import dev.virtchain.model.InvalidText;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.Origin;
import dev.virtchain.model.Text;
import dev.virtchain.model.plan.Intent;
import dev.virtchain.model.plan.QuiesceMode;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * {@code snapshot-create DOMAIN [NAME] [--quiesce yes|no|auto] [--description TEXT] [--disks a,b]}:
 * takes an external disk-only snapshot. Without a name it is called {@code snap-<UTC time>}.
 * Result {@code {"domain", "snapshot": Snapshot}}; the Snapshot's consistency says what
 * {@code auto} got.
 */
final class SnapshotCreateCommand implements CommandHandler {
    static final String NAME = "snapshot-create";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    /** Descriptions are kept in the ledger and shown on one line; a page of text is a mistake. */
    static final int MAX_DESCRIPTION = Text.MAX_LENGTH;

    private final Context cx;

    SnapshotCreateCommand(Context cx) {
        this.cx = cx;
    }

    @Override
    public JsonNode handle(CommandArgs args, ProgressSink progress) throws CommandFailure {
        args.allowOnly(Set.of("domain", "name", "quiesce", "description", "disks"));
        String domain = ManagedDomain.name(args, "domain", "domain", null);
        String name = ManagedDomain.optionalName(args, "name", "snapshot", domain)
                .orElseGet(() -> "snap-" + STAMP.format(cx.services().clock().instant()));
        QuiesceMode quiesce = quiesce(args.optionalString("quiesce").orElse("auto"));
        String description = args.optionalString("description").orElse(null);
        if (description != null) {
            try {
                Text.requirePrintable("description", description, MAX_DESCRIPTION, domain, name);
            } catch (InvalidText e) {
                throw Failures.of(e, domain);
            }
        }
        Set<String> disks = new LinkedHashSet<>();
        for (String d : args.strings("disks")) {
            disks.add(ManagedDomain.valid(d, "disks", "disk target", domain));
        }
        cx.stored(domain);
        OperationRunner.Result r = cx.operations().run(domain,
                new Intent.Create(name, disks, quiesce, description, Origin.manual()), OperationRunner.Options.DEFAULT,
                progress);
        Ledger after = r.ledger();
        ObjectNode data = Json.object();
        data.put("domain", domain);
        data.set("snapshot", Shapes.snapshot(after, after.requireSnapshot(name)));
        return data;
    }

    static QuiesceMode quiesce(String word) throws CommandFailure {
        return switch (word) {
            case "yes" -> QuiesceMode.YES;
            case "no" -> QuiesceMode.NO;
            case "auto" -> QuiesceMode.AUTO;
            default -> throw CommandFailure.invalidArgument("argument 'quiesce' must be yes, no or auto, not '"
                    + word + "'");
        };
    }
}
