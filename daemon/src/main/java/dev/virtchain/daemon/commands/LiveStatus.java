package dev.virtchain.daemon.commands;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.daemon.control.Json;
import dev.virtchain.daemon.domains.Services;
import dev.virtchain.model.Disk;
import dev.virtchain.model.Ledger;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@link StatusSources} from the daemon's services. For a drifted domain it reads the live chains
 * once more to say which disk differs and how; the ManagedDomains record keeps only a sentence.
 */
final class LiveStatus implements StatusSources {
    private final Services services;
    private final Jobs jobs;

    LiveStatus(Services services, Jobs jobs) {
        this.services = services;
        this.jobs = jobs;
    }

    @Override
    public boolean libvirtConnected() {
        return services.host().isConnected();
    }

    @Override
    public StartCheck startCheck() {
        return new StartCheck(services.domains().uncheckedDomains(), services.domains().domainsToCheck());
    }

    @Override
    public ArrayNode drift() {
        ArrayNode out = Json.array();
        for (Map.Entry<String, String> e : new TreeMap<>(services.domains().drift()).entrySet()) {
            String domain = e.getKey();
            boolean named = false;
            try {
                Ledger l = services.book().byName(domain).map(s -> s.ledger()).orElse(null);
                Map<String, List<String>> seen = services.runner().observe(domain).chains().chains();
                for (Disk d : l == null ? List.<Disk>of() : l.disks()) {
                    List<String> chain = seen.getOrDefault(d.target(), List.of());
                    if (!chain.equals(d.activeChain())) {
                        String actual = chain.isEmpty() ? null : chain.get(0);
                        out.add(entry(domain, d.target(), d.active(), actual, actual == null
                                ? "disk " + d.target() + " is gone from the domain; the ledger says " + d.active()
                                : actual.equals(d.active()) ? "the chain below " + StepShapes.name(actual)
                                        + " differs from the ledger's: " + e.getValue()
                                        : "active image is " + StepShapes.name(actual) + ", the ledger says "
                                        + StepShapes.name(d.active())));
                        named = true;
                    }
                }
            } catch (RuntimeException x) {
                // Status must answer even when libvirt does not: the recorded sentence says enough.
            }
            if (!named) {
                out.add(entry(domain, null, null, null, e.getValue()));
            }
        }
        return out;
    }

    private static ObjectNode entry(String domain, String disk, String expected, String actual, String message) {
        ObjectNode o = Json.object();
        o.put("domain", domain);
        o.put("disk", disk);
        o.put("expected", expected);
        o.put("actual", actual);
        o.put("message", message);
        return o;
    }

    /**
     * Only for domains libvirt still has: PolicyBook keeps the problem of a domain that was
     * undefined while its metadata was read ("no such domain") until the next successful read,
     * which never comes.
     */
    @Override
    public Map<String, String> policyProblems() {
        Map<String, String> all = services.policies().problems();
        if (all.isEmpty()) {
            return all;
        }
        try {
            var known = new java.util.HashSet<>(services.domains().libvirtDomainNames());
            Map<String, String> out = new TreeMap<>(all);
            out.keySet().retainAll(known);
            return out;
        } catch (RuntimeException e) {
            return all;
        }
    }

    @Override
    public ArrayNode jobs() {
        return jobs.list(null);
    }

    @Override
    public ArrayNode quiesceFallbacks() {
        ArrayNode out = Json.array();
        java.util.List<dev.virtchain.model.Snapshot> newest = new java.util.ArrayList<>();
        for (var stored : services.book().all()) {
            stored.ledger().snapshots().stream()
                    .max(java.util.Comparator.comparing(dev.virtchain.model.Snapshot::created))
                    .filter(s -> s.consistencyNote() != null)
                    .ifPresent(s -> {
                        ObjectNode o = out.addObject();
                        o.put("domain", stored.ledger().domainName());
                        o.put("snapshot", s.name());
                        o.set("created", Json.time(s.created()));
                        o.put("reason", s.consistencyNote());
                    });
        }
        return out;
    }
}
