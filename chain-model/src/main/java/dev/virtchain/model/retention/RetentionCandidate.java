package dev.virtchain.model.retention;

import java.time.Instant;
import java.util.Objects;

/**
 * One snapshot a retention policy may keep or delete.
 *
 * <p>The caller passes only snapshots made by the policy being evaluated; snapshots taken by
 * hand or by another policy are not this policy's to delete.
 *
 * @param name    the snapshot's name, unique among the candidates of one evaluation
 * @param created when the snapshot was taken
 * @param held    an operator hold, or a protected snapshot such as the base of a clone: it is
 *                never deleted, whatever the policy says
 */
public record RetentionCandidate(String name, Instant created, boolean held) {

    public RetentionCandidate {
        Objects.requireNonNull(name, "snapshot name");
        Objects.requireNonNull(created, () -> "creation time of snapshot '" + name + "'");
    }
}
