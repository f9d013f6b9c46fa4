package dev.virtchain.daemon.domains;

import dev.virtchain.daemon.config.DomainSelection;
import dev.virtchain.daemon.config.Policy;
import dev.virtchain.libvirt.DomainSummary;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which of libvirt's domains this daemon manages, and why each is or is not, by the
 * configuration's {@link DomainSelection}. The verdicts are kept between refreshes (at start,
 * after a domain is defined or undefined, after a policy change) so that a scrape or a command
 * never has to ask libvirt per domain. A domain not judged yet is not managed.
 */
public final class DomainRoster {
    private static final Logger log = LoggerFactory.getLogger(DomainRoster.class);

    private final DomainSelection selection;
    private final List<Policy> configured;
    private final Predicate<String> ownPolicy;
    private volatile Map<String, DomainSelection.Verdict> verdicts = Map.of();

    /**
     * @param ownPolicy whether a domain has its own policy in its libvirt metadata; asked only
     *                  when the selection depends on it
     */
    public DomainRoster(DomainSelection selection, List<Policy> configured, Predicate<String> ownPolicy) {
        this.selection = selection;
        this.configured = List.copyOf(configured);
        this.ownPolicy = ownPolicy;
    }

    /** Every domain is managed (tests, and hosts that do not choose). */
    public static DomainRoster all() {
        return new DomainRoster(DomainSelection.ALL, List.of(), d -> false);
    }

    /** The roster of a real host: a domain's own policy is read from its libvirt metadata (kept between refreshes). */
    public static DomainRoster of(DomainSelection selection, List<Policy> configured, MetadataPolicies metadata) {
        return new DomainRoster(selection, configured, domain -> {
            try {
                return metadata.of(domain).isPresent();
            } catch (RuntimeException e) {
                // Unreadable metadata is no policy: the domain stays unmanaged, and says why.
                log.warn("cannot read the metadata policy of {}: {}", domain, e.getMessage());
                return false;
            }
        });
    }

    public DomainSelection selection() {
        return selection;
    }

    /** Judges every domain libvirt has now; domains gone from libvirt are forgotten. */
    public synchronized void refresh(Collection<DomainSummary> domains) {
        Map<String, DomainSelection.Verdict> next = new LinkedHashMap<>();
        for (DomainSummary d : domains) {
            next.put(d.name(), judge(d.name()));
        }
        Map<String, DomainSelection.Verdict> before = verdicts;
        next.forEach((name, v) -> {
            DomainSelection.Verdict old = before.get(name);
            if (!v.managed() && (old == null || old.managed())) {
                log.info("{} is not managed: {}", name, v.why());
            }
        });
        verdicts = Map.copyOf(next);
    }

    /** Judges one domain again (after its policy metadata changed, or it was just defined). */
    public synchronized DomainSelection.Verdict refresh(String domain) {
        DomainSelection.Verdict v = judge(domain);
        Map<String, DomainSelection.Verdict> next = new LinkedHashMap<>(verdicts);
        next.put(domain, v);
        verdicts = Map.copyOf(next);
        return v;
    }

    public boolean isManaged(String domain) {
        DomainSelection.Verdict v = verdicts.get(domain);
        return v != null && v.managed();
    }

    public Optional<DomainSelection.Verdict> verdict(String domain) {
        return Optional.ofNullable(verdicts.get(domain));
    }

    /** The managed domains' names. */
    public Set<String> managed() {
        return verdicts.entrySet().stream().filter(e -> e.getValue().managed()).map(Map.Entry::getKey)
                .collect(Collectors.toUnmodifiableSet());
    }

    /** Every judged domain by name, in name order. */
    public Map<String, DomainSelection.Verdict> verdicts() {
        return new TreeMap<>(verdicts);
    }

    private DomainSelection.Verdict judge(String domain) {
        boolean own = selection.readsMetadata() && ownPolicy.test(domain);
        return selection.judge(domain, configured, own);
    }
}
