package dev.virtchain.daemon.domains;

import dev.virtchain.daemon.config.InvalidCronException;
import dev.virtchain.daemon.config.Policy;
import dev.virtchain.daemon.schedule.Assignment;
import dev.virtchain.daemon.schedule.Assignments;
import dev.virtchain.libvirt.LibvirtUnreachableException;
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
    private final MetadataPolicies metadata;
    private final Map<String, String> problems = new ConcurrentHashMap<>();

    public PolicyBook(List<Policy> configured, MetadataPolicies metadata) {
        this.configured = List.copyOf(configured);
        this.metadata = metadata;
    }

    /** Every assignment for these domains (all that libvirt has): configured patterns first, then metadata policies. */
    public List<Assignment> assignments(List<String> domains) {
        metadata.retain(domains);
        return assignmentsOf(domains);
    }

    public List<Policy> policiesFor(String domain) {
        return assignmentsOf(List.of(domain)).stream().map(Assignment::policy).toList();
    }

    /** The domain's metadata changed, or may have (a lifecycle event, policy-set): read it again. */
    public void forget(String domain) {
        metadata.forget(domain);
    }

    /** Any domain's metadata may have changed (libvirtd was unreachable, its events lost): read each again. */
    public void forgetAll() {
        metadata.retain(List.of());
    }

    private List<Assignment> assignmentsOf(List<String> domains) {
        List<Assignment> out = new ArrayList<>(Assignments.byPattern(configured, domains));
        for (String d : domains) {
            metadataPolicy(d).ifPresent(p -> out.add(new Assignment(p, d)));
        }
        return out;
    }

    /** Domain to why its metadata policy is ignored, for {@code status}. */
    public Map<String, String> problems() {
        return Map.copyOf(problems);
    }

    private java.util.Optional<Policy> metadataPolicy(String domain) {
        try {
            var meta = metadata.of(domain);
            if (meta.isEmpty()) {
                problems.remove(domain);
                return java.util.Optional.empty();
            }
            Policy p = SnapshotPolicy.fromMetadata(domain, meta.get());
            problems.remove(domain);
            return java.util.Optional.of(p);
        } catch (LibvirtUnreachableException e) {
            // Not this domain's fault: every domain after it would fail the same way, and the
            // assignments made without them would unschedule their policies. The whole
            // assignment fails; the schedule keeps the assignments it has.
            throw e;
        } catch (InvalidCronException | RuntimeException e) {
            problems.put(domain, e.getMessage());
            log.warn("ignoring the metadata policy of {}: {}", domain, e.getMessage());
            return java.util.Optional.empty();
        }
    }
}
