package dev.virtchain.daemon.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.daemon.config.Policy;
import dev.virtchain.daemon.control.CommandArgs;
import dev.virtchain.daemon.control.CommandFailure;
import dev.virtchain.daemon.control.CommandHandler;
import dev.virtchain.daemon.control.ErrorCode;
import dev.virtchain.daemon.control.Json;
import dev.virtchain.daemon.ProgressSink;
import dev.virtchain.daemon.ledger.StoredLedger;
import dev.virtchain.libvirt.DomainSummary;
import dev.virtchain.model.Disk;
import dev.virtchain.model.Image;
import dev.virtchain.model.Ledger;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code domains}: the domains virtchain manages that libvirt has, with their state, snapshot
 * count, policy schedule and each disk's active image and chain depth, and why each is managed;
 * then the domains libvirt has that this host does not manage, each with the reason (the
 * {@code manage}, {@code manage-match} and {@code manage-exclude} settings).
 */
final class DomainsCommand implements CommandHandler {
    static final String NAME = "domains";

    private final Context cx;

    DomainsCommand(Context cx) {
        this.cx = cx;
    }

    @Override
    public JsonNode handle(CommandArgs args, ProgressSink progress) throws CommandFailure {
        args.allowOnly(Set.of());
        // Domains not adopted yet would be missing from the list: it waits for the start-up check.
        if (!cx.services().domains().awaitAllChecked()) {
            throw new CommandFailure(ErrorCode.BUSY, "the start-up check of the domains has not ended; try again, and"
                    + " see 'virtchain status'");
        }
        Map<String, DomainSummary> live = new HashMap<>();
        var roster = cx.services().domains().roster();
        try {
            List<DomainSummary> all = cx.services().host().listDomains();
            for (DomainSummary d : all) {
                live.put(d.name(), d);
            }
            roster.refresh(all);
        } catch (RuntimeException e) {
            throw Failures.of(e, null);
        }
        ObjectNode data = Json.object();
        ArrayNode list = data.putArray("domains");
        List<StoredLedger> all = cx.services().book().all().stream()
                .sorted(Comparator.comparing(s -> s.ledger().domainName())).toList();
        for (StoredLedger stored : all) {
            Ledger l = stored.ledger();
            DomainSummary d = live.get(l.domainName());
            if (d == null || !roster.isManaged(l.domainName())) {
                continue; // undefined meanwhile (its ledger is retired when libvirt says so), or no longer managed
            }
            List<Policy> policies = cx.services().policies().policiesFor(l.domainName());
            list.add(managed(l, d.running() ? "running" : "shut off",
                    policies.isEmpty() ? null : policies.get(0).schedule().source(),
                    roster.verdict(l.domainName()).map(v -> v.why()).orElse(null)));
        }
        ArrayNode unmanaged = data.putArray("unmanaged");
        roster.verdicts().forEach((name, verdict) -> {
            DomainSummary d = live.get(name);
            if (d != null && !verdict.managed()) {
                unmanaged.add(unmanaged(name, d.running() ? "running" : "shut off", verdict.why()));
            }
        });
        return data;
    }

    /** A managed domain's entry: {@link #domain} and why it is managed. */
    static ObjectNode managed(Ledger l, String state, String schedule, String why) {
        ObjectNode o = domain(l, state, schedule);
        o.put("managed", true);
        o.put("why", why);
        return o;
    }

    /** A domain libvirt has that this host does not manage. */
    static ObjectNode unmanaged(String name, String state, String why) {
        ObjectNode o = Json.object();
        o.put("name", name);
        o.put("state", state);
        o.put("managed", false);
        o.put("why", why);
        return o;
    }

    static ObjectNode domain(Ledger l, String state, String schedule) {
        ObjectNode o = Json.object();
        o.put("name", l.domainName());
        o.put("state", state);
        o.put("snapshots", l.snapshots().size());
        o.put("policy", schedule);
        ArrayNode disks = o.putArray("disks");
        for (Disk disk : l.disks()) {
            Image active = disk.activeImage();
            ObjectNode x = disks.addObject();
            x.put("target", disk.target());
            x.put("active", disk.active());
            x.put("format", active == null ? null : active.format().qemuName());
            x.put("depth", disk.activeChain().size());
        }
        return o;
    }
}
