package dev.virtchain.libvirt;

/**
 * A domain appeared, disappeared, started or stopped, as libvirt reported it.
 *
 * @param detail libvirt's detail for the event (e.g. {@code BOOTED}, {@code DESTROYED}), for logs
 */
public record DomainLifecycleEvent(String domain, String uuid, Kind kind, String detail) {
    /** The lifecycle changes the daemon acts on; the rest arrive as {@link #OTHER}. */
    public enum Kind {
        DEFINED,
        UNDEFINED,
        STARTED,
        STOPPED,
        /** Started on this host by an incoming migration. */
        MIGRATED_IN,
        /** Stopped on this host because it migrated away. */
        MIGRATED_OUT,
        OTHER
    }
}
