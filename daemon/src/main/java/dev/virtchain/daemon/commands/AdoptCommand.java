package dev.virtchain.daemon.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.daemon.control.CommandArgs;
import dev.virtchain.daemon.control.CommandFailure;
import dev.virtchain.daemon.control.CommandHandler;
import dev.virtchain.daemon.control.ErrorCode;
import dev.virtchain.daemon.control.Json;
import dev.virtchain.daemon.ProgressSink;
import dev.virtchain.libvirt.DomainNotFoundException;
import dev.virtchain.daemon.exec.OperationRefused;
import dev.virtchain.daemon.ledger.StaleLedger;
import dev.virtchain.libvirt.HypervisorException;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.Origin;
import dev.virtchain.model.Snapshot;
import java.util.Set;

/**
 * {@code adopt DOMAIN}: takes over a domain's chains, naming every backing image as a snapshot
 * ({@code adopted-N}), or takes in images stacked by hand on a managed domain's chains. Result
 * {@code {"domain", "snapshots": [Snapshot]}}: the points in time adoption named.
 */
final class AdoptCommand implements CommandHandler {
    static final String NAME = "adopt";

    private final Context cx;

    AdoptCommand(Context cx) {
        this.cx = cx;
    }

    @Override
    public JsonNode handle(CommandArgs args, ProgressSink progress) throws CommandFailure {
        args.allowOnly(Set.of("domain"));
        String domain = ManagedDomain.name(args, "domain", "domain", null);
        Ledger l;
        try {
            l = cx.services().domains().adopt(domain);
        } catch (DomainNotFoundException e) {
            throw ManagedDomain.unknown(cx.services().host(), domain);
        } catch (HypervisorException | OperationRefused | StaleLedger e) {
            throw Failures.of(e, domain);
        } catch (RuntimeException e) {
            // ManagedDomains refuses chains it cannot explain, or an unreadable ledger file, saying why.
            throw new CommandFailure(ErrorCode.REFUSED, e.getMessage(), domain, null, null, null, e);
        }
        return adopted(l);
    }

    static ObjectNode adopted(Ledger l) {
        ObjectNode data = Json.object();
        data.put("domain", l.domainName());
        ArrayNode list = data.putArray("snapshots");
        for (Snapshot s : l.snapshots()) {
            if (s.origin().kind() == Origin.Kind.ADOPTED) {
                list.add(Shapes.snapshot(l, s));
            }
        }
        return data;
    }
}
