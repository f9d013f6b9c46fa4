package dev.virtchain.libvirt;

/**
 * Taking a snapshot failed. The overlays the attempt created have been removed; if removing one
 * failed too, that failure is attached as suppressed and names the file left behind.
 */
public final class SnapshotException extends HypervisorException {
    private static final long serialVersionUID = 1L;

    SnapshotException(String message, Involved involved, Throwable cause) {
        super(message, involved, cause);
    }
}
