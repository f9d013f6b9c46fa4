package dev.virtchain.daemon.domains;

import dev.virtchain.daemon.config.InvalidCronException;
import dev.virtchain.daemon.config.Policy;
import dev.virtchain.daemon.schedule.Assignment;
import dev.virtchain.daemon.schedule.Assignments;
import dev.virtchain.libvirt.LibvirtHost;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which policies apply to which domain: those of the configuration file whose pattern matches the
 * name, and the domain's own policy in its libvirt {@code <metadata>} (which travels with it when
 * it migrates). A domain's metadata policy that cannot be read is reported, not guessed at.
 */
public final class PolicyBook {
    private static final Logger log = LoggerFactory.getLogger(PolicyBook.class);

    private final List<Policy> configured;
    private final LibvirtHost host;
    private final Map<String, String> problems = new ConcurrentHashMap<>();

    public PolicyBook(List<Policy> configured, LibvirtHost host) {
        this.configured = List.copyOf(configured);
        this.host = host;
    }

    /** Every assignment for these domains: configured patterns first, then metadata policies. */
    public List<Assignment> assignments(List<String> domains) {
        List<Assignment> out = new ArrayList<>(Assignments.byPattern(configured, domains));
        for (String d : domains) {
            metadataPolicy(d).ifPresent(p -> out.add(new Assignment(p, d)));
        }
        return out;
    }

    public List<Policy> policiesFor(String domain) {
        return assignments(List.of(domain)).stream().map(Assignment::policy).toList();
    }

    /** Domain to why its metadata policy is ignored, for {@code status}. */
    public Map<String, String> problems() {
        return Map.copyOf(problems);
    }

    private java.util.Optional<Policy> metadataPolicy(String domain) {
        try {
            var meta = host.readPolicy(domain);
            if (meta.isEmpty()) {
                problems.remove(domain);
                return java.util.Optional.empty();
            }
            Policy p = SnapshotPolicy.fromMetadata(domain, meta.get());
            problems.remove(domain);
            return java.util.Optional.of(p);
        } catch (InvalidCronException | RuntimeException e) {
            problems.put(domain, e.getMessage());
            log.warn("ignoring the metadata policy of {}: {}", domain, e.getMessage());
            return java.util.Optional.empty();
        }
    }
}
