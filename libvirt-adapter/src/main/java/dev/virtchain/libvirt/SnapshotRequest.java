package dev.virtchain.libvirt;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Take an external disk-only snapshot of {@code domain}: for each disk in {@code overlays}, a new
 * qcow2 overlay with that file name is created in the directory of the disk's active image and
 * becomes active; the old active image freezes and holds the point in time. Disks not named are
 * left out. The names come from the planner, which never reuses one.
 *
 * <p>With {@code precreated}, the overlays already exist (the daemon creates them as journaled
 * steps of its own, so that a crash leaves a record of every file): each must back onto the disk's
 * active image, and a failure leaves them for the caller to remove.
 *
 * @param overlays     disk target → overlay file name (a bare name, no directory)
 * @param agentTimeout how long a quiesce waits for the guest agent (whole seconds, 1 to 300)
 */
public record SnapshotRequest(String domain, Map<String, String> overlays, QuiesceMode quiesce, boolean precreated,
                              java.time.Duration agentTimeout) {
    /** At most 10 s: the longest Windows VSS holds a freeze. */
    public static final java.time.Duration DEFAULT_AGENT_TIMEOUT = java.time.Duration.ofSeconds(10);

    public SnapshotRequest(String domain, Map<String, String> overlays, QuiesceMode quiesce) {
        this(domain, overlays, quiesce, false, DEFAULT_AGENT_TIMEOUT);
    }

    public SnapshotRequest(String domain, Map<String, String> overlays, QuiesceMode quiesce, boolean precreated) {
        this(domain, overlays, quiesce, precreated, DEFAULT_AGENT_TIMEOUT);
    }

    /** A snapshot onto overlays the caller created already. */
    public static SnapshotRequest onPrecreated(String domain, Map<String, String> overlays, QuiesceMode quiesce) {
        return new SnapshotRequest(domain, overlays, quiesce, true);
    }

    /** The same request with another agent time-out. */
    public SnapshotRequest withAgentTimeout(java.time.Duration timeout) {
        return new SnapshotRequest(domain, overlays, quiesce, precreated, timeout);
    }

    public SnapshotRequest {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(quiesce, "quiesce");
        Objects.requireNonNull(agentTimeout, "agentTimeout");
        if (agentTimeout.toSeconds() < 1 || agentTimeout.toSeconds() > 300) {
            throw new IllegalArgumentException("the agent time-out is 1 to 300 s, not " + agentTimeout.toSeconds());
        }
        if (overlays.isEmpty()) {
            throw new IllegalArgumentException("a snapshot of " + domain + " needs at least one disk");
        }
        for (Map.Entry<String, String> e : overlays.entrySet()) {
            String name = e.getValue();
            if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
                throw new IllegalArgumentException("overlay name for " + domain + "/" + e.getKey()
                        + " must be a bare file name, was '" + name + "'");
            }
        }
        overlays = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(overlays));
    }
}
