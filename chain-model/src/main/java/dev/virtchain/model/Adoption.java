package dev.virtchain.model;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Takes over chains virtchain did not make: each backing image becomes the holder of a named
 * point in time ({@code adopted-1} the oldest, counting up), so nothing a chain holds is ever
 * without a name.
 *
 * <p>Disks are aligned from the top: the images right under each disk's active image were most
 * likely frozen together (by one {@code virsh snapshot-create-as --disk-only}), so they form the
 * newest adopted snapshot; a disk with a shorter chain simply is not covered by the oldest ones.
 */
public final class Adoption {
    private static final Pattern ADOPTED = Pattern.compile("adopted-(\\d+)");

    /** One disk as observed: its chain, active image first, each image with format and backing. */
    public record ObservedDisk(String target, List<Image> chain) {
        public ObservedDisk {
            Objects.requireNonNull(target, "target");
            chain = List.copyOf(chain);
            if (chain.isEmpty()) {
                throw new IllegalArgumentException("disk " + target + " has no image");
            }
        }
    }

    private Adoption() {}

    /**
     * A ledger for a domain virtchain did not know.
     *
     * @param frozenAt when each backing image stopped changing (its modification time); the
     *                 newest of a snapshot's holders dates it
     */
    public static Ledger adopt(DomainId domain, List<ObservedDisk> disks, Map<String, Instant> frozenAt) {
        List<Disk> ledgerDisks = new ArrayList<>();
        for (ObservedDisk d : disks) {
            ledgerDisks.add(new Disk(d.target(), d.chain(), d.chain().get(0).path()));
        }
        Ledger l = new Ledger(Ledger.SCHEMA_VERSION, domain, ledgerDisks, List.of(), List.of(), null, 1);
        Map<String, List<String>> frozen = new LinkedHashMap<>();
        for (ObservedDisk d : disks) {
            frozen.put(d.target(), d.chain().subList(1, d.chain().size()).stream().map(Image::path).toList());
        }
        return withAdoptedSnapshots(l, frozen, frozenAt, 0).requireValid();
    }

    /**
     * The ledger extended by images someone stacked on top of its active images by hand (the
     * only drift that can be taken in without guessing): the old active images and every new
     * image below the new active ones become adopted snapshots. Empty when the observed chains
     * are not the ledger's chains with images added on top.
     */
    public static Optional<Ledger> extend(Ledger ledger, List<ObservedDisk> observed, Map<String, Instant> frozenAt) {
        Map<String, List<String>> frozen = new LinkedHashMap<>();
        Ledger l = ledger;
        boolean changed = false;
        for (ObservedDisk o : observed) {
            Disk known = l.disk(o.target()).orElse(null);
            if (known == null) {
                return Optional.empty();
            }
            List<String> expected = known.activeChain();
            List<String> seen = o.chain().stream().map(Image::path).toList();
            if (seen.equals(expected)) {
                frozen.put(o.target(), List.of());
                continue;
            }
            int added = seen.size() - expected.size();
            if (added <= 0 || !seen.subList(added, seen.size()).equals(expected)) {
                return Optional.empty();
            }
            for (int i = added - 1; i >= 0; i--) {
                l = l.withImage(o.target(), o.chain().get(i));
            }
            l = l.withActive(o.target(), seen.get(0));
            frozen.put(o.target(), seen.subList(1, added + 1));
            changed = true;
        }
        if (!changed) {
            return Optional.of(ledger);
        }
        int taken = 0;
        for (Snapshot s : ledger.snapshots()) {
            Matcher m = ADOPTED.matcher(s.name());
            if (m.matches()) {
                taken = Math.max(taken, Integer.parseInt(m.group(1)));
            }
        }
        return Optional.of(withAdoptedSnapshots(l, frozen, frozenAt, taken).requireValid());
    }

    /** Adds one snapshot per rank of frozen images (newest first in each list), oldest first. */
    private static Ledger withAdoptedSnapshots(Ledger l, Map<String, List<String>> frozen, Map<String, Instant> frozenAt,
                                               int numberedFrom) {
        int ranks = frozen.values().stream().mapToInt(List::size).max().orElse(0);
        String parent = l.current();
        Ledger out = l;
        int n = numberedFrom;
        for (int rank = ranks - 1; rank >= 0; rank--) {
            Map<String, String> holders = new LinkedHashMap<>();
            Instant created = Instant.EPOCH;
            for (Map.Entry<String, List<String>> e : frozen.entrySet()) {
                if (rank < e.getValue().size()) {
                    String holder = e.getValue().get(rank);
                    holders.put(e.getKey(), holder);
                    Instant t = frozenAt.getOrDefault(holder, Instant.EPOCH);
                    created = t.isAfter(created) ? t : created;
                }
            }
            String name;
            do {
                name = "adopted-" + (++n);
            } while (out.snapshot(name).isPresent());
            out = out.withSnapshot(Snapshot.of(name, created, parent, holders, Consistency.CRASH, Origin.adopted(),
                    "taken over from a chain virtchain did not make"));
            parent = name;
        }
        return ranks > 0 ? out.withCurrent(parent) : out;
    }
}
