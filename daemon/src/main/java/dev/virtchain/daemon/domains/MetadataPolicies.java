package dev.virtchain.daemon.domains;

import dev.virtchain.libvirt.xml.PolicyMetadata;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The policies domains keep in their libvirt {@code <metadata>}, each read once and kept until
 * the domain's next lifecycle event or a {@code policy-set}/{@code policy-remove} through
 * virtchain. Assignments are worked out again after every event on the host; reading every
 * domain's metadata each time cost one libvirt call per domain per event (a thousand at once when
 * one of a thousand domains starts). Metadata written by another tool ({@code virsh metadata}) is
 * seen at the domain's next lifecycle event or when virtchaind starts.
 */
public final class MetadataPolicies {
    private final Function<String, Optional<PolicyMetadata>> read;
    private final Map<String, Optional<PolicyMetadata>> known = new ConcurrentHashMap<>();

    /** @param read reads one domain's policy from libvirt; may throw, and a failure is not kept */
    public MetadataPolicies(Function<String, Optional<PolicyMetadata>> read) {
        this.read = read;
    }

    /** The domain's own policy, read from libvirt the first time it is asked for. */
    public Optional<PolicyMetadata> of(String domain) {
        Optional<PolicyMetadata> p = known.get(domain);
        if (p == null) {
            p = read.apply(domain);
            known.put(domain, p);
        }
        return p;
    }

    /** The domain's metadata may have changed: it is read again when next asked for. */
    public void forget(String domain) {
        known.remove(domain);
    }

    /** Forgets the domains not in {@code present} (undefined, renamed, migrated away). */
    public void retain(Collection<String> present) {
        Set<String> keep = new HashSet<>(present);
        known.keySet().removeIf(d -> !keep.contains(d));
    }
}
