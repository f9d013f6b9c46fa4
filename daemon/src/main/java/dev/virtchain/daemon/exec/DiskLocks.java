package dev.virtchain.daemon.exec;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One operation at a time per disk. An operation claims every disk it touches at once, or none:
 * a second request on a busy disk is refused, naming the operation that holds it, rather than
 * queued behind a job that may run for hours.
 */
public final class DiskLocks {
    /** Who holds a disk: the operation id and what it does. */
    public record Holder(String operationId, String description) {}

    private final Map<String, Holder> held = new HashMap<>();

    /** Claims all {@code disks} of {@code domain} for the operation, or returns who holds one of them. */
    public synchronized Optional<Holder> tryClaim(String domain, Set<String> disks, Holder holder) {
        for (String disk : disks) {
            Holder h = held.get(key(domain, disk));
            if (h != null) {
                return Optional.of(h);
            }
        }
        for (String disk : disks) {
            held.put(key(domain, disk), holder);
        }
        return Optional.empty();
    }

    public synchronized void release(String domain, Set<String> disks, String operationId) {
        for (String disk : disks) {
            Holder h = held.get(key(domain, disk));
            if (h != null && h.operationId().equals(operationId)) { // never another operation's claim
                held.remove(key(domain, disk));
            }
        }
    }

    public synchronized Optional<Holder> holder(String domain, String disk) {
        return Optional.ofNullable(held.get(key(domain, disk)));
    }

    private static String key(String domain, String disk) {
        return domain + "\u0000" + disk;
    }
}
