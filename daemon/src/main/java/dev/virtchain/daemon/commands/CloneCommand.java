package dev.virtchain.daemon.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.daemon.control.CommandArgs;
import dev.virtchain.daemon.control.CommandFailure;
import dev.virtchain.daemon.control.CommandHandler;
import dev.virtchain.daemon.control.ErrorCode;
import dev.virtchain.daemon.ProgressSink;
import dev.virtchain.daemon.exec.OperationRunner;
import dev.virtchain.model.plan.Intent;
import java.util.Map;
import java.util.Set;

/**
 * {@code clone DOMAIN NAME NEW-DOMAIN}: a new domain whose disks are thin overlays on the
 * snapshot's holders; the snapshot becomes protected while the clone uses them.
 */
final class CloneCommand implements CommandHandler {
    static final String NAME = "clone";

    private final Context cx;

    CloneCommand(Context cx) {
        this.cx = cx;
    }

    @Override
    public JsonNode handle(CommandArgs args, ProgressSink progress) throws CommandFailure {
        args.allowOnly(Set.of("domain", "name", "new-domain"));
        String domain = ManagedDomain.name(args, "domain", "domain", null);
        String name = ManagedDomain.name(args, "name", "snapshot", domain);
        String newDomain = ManagedDomain.name(args, "new-domain", "domain", domain);
        if (cx.ledger(domain).snapshot(name).isEmpty()) {
            throw Failures.of(new dev.virtchain.model.UnknownSnapshot(domain, name), domain);
        }
        boolean taken;
        try {
            taken = cx.services().host().listDomains().stream().anyMatch(d -> d.name().equals(newDomain));
        } catch (RuntimeException e) {
            throw Failures.of(e, domain);
        }
        if (taken) {
            // defineXML would silently redefine it: a clone never replaces a domain.
            throw new CommandFailure(ErrorCode.REFUSED, "libvirt already has a domain " + newDomain
                    + "; choose another name for the clone of snapshot " + name + " of " + domain, domain, null,
                    name, null, null);
        }
        OperationRunner.Result r = cx.operations().run(domain, new Intent.Clone(name, newDomain, Map.of(),
                java.util.UUID.randomUUID()),
                OperationRunner.Options.DEFAULT, progress);
        ObjectNode data = Shapes.operation(NAME, domain, "done");
        data.put("newDomain", newDomain);
        data.put("bytesCopied", r.plan().estimatedBytes());
        Shapes.strings(data.putArray("removed"), r.plan().unlinks());
        data.put("protected", name);
        data.set("plan", Shapes.plan(r.plan()));
        return data;
    }
}
