package dev.virtchain.daemon.commands;

import java.time.Instant;

/**
 * A block job (or offline qemu-img run) under way, as {@code status} lists it.
 *
 * @param kind     {@code commit}, {@code active-commit}, {@code pull}, {@code copy}, …
 * @param snapshot the snapshot being deleted or created, or null
 * @param done     bytes done
 * @param total    bytes in all, or 0 while unknown
 */
public record RunningJob(String domain, String disk, String kind, String snapshot, long done, long total,
                         Instant startedAt) {
}
