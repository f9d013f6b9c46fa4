package dev.virtchain.model.plan;

import dev.virtchain.model.Ledger;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the caller read from the live truth.
 *
 * @param chains   per disk target, the chain libvirt's domain XML shows, active image first; for
 *                 a shut-off domain libvirt may show only the first images, which is accepted as
 *                 a prefix
 * @param backings per image path the caller inspected ({@code qemu-img info}), its backing path,
 *                 or {@link #NO_BACKING}
 * @param absent   paths the caller found not to exist
 */
public record ObservedChains(Map<String, List<String>> chains, Map<String, String> backings, Set<String> absent) {

    /** Value in {@link #backings} for an image without a backing file. */
    public static final String NO_BACKING = "";

    public ObservedChains {
        Map<String, List<String>> c = new TreeMap<>();
        chains.forEach((k, v) -> c.put(k, List.copyOf(v)));
        chains = Collections.unmodifiableMap(c);
        backings = Map.copyOf(backings);
        absent = Set.copyOf(absent);
    }

    public static ObservedChains of(Map<String, List<String>> chains) {
        return new ObservedChains(chains, Map.of(), Set.of());
    }

    /** The chains as the ledger has them: what libvirt should show. */
    public static ObservedChains of(Ledger ledger) {
        Map<String, List<String>> c = new LinkedHashMap<>();
        for (String d : ledger.diskTargets()) {
            c.put(d, ledger.activeChain(d));
        }
        return of(c);
    }
}
