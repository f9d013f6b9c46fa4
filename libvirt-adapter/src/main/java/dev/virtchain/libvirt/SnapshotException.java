package dev.virtchain.libvirt;

/**
 * Taking a snapshot failed. The overlays the attempt created have been removed; if removing one
 * failed too, that failure is attached as suppressed and names the file left behind.
 */
public final class SnapshotException extends HypervisorException {
    private static final long serialVersionUID = 1L;
    private final boolean agentUnavailable;

    SnapshotException(String message, Involved involved, Throwable cause) {
        super(message, involved, cause);
        this.agentUnavailable = false;
    }

    /** The guest agent could not freeze the guest; {@code message} names the domain and says what to do. */
    SnapshotException(String message, Involved involved, Throwable cause, boolean agentUnavailable) {
        super(message, cause, involved);
        this.agentUnavailable = agentUnavailable;
    }

    /**
     * A quiesce was required and the guest agent could not freeze the guest (none configured, not
     * connected, no answer in time). libvirt checks the agent before it touches a disk, so nothing
     * was changed; the message says so in the user's words.
     */
    public boolean agentUnavailable() {
        return agentUnavailable;
    }
}
