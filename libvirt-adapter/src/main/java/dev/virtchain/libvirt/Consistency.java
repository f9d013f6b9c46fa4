package dev.virtchain.libvirt;

/** What a snapshot's point in time is worth. */
public enum Consistency {
    /** The guest agent froze the file systems: they are clean. */
    QUIESCED,
    /** Taken from a running guest without its help: like after a power cut. */
    CRASH_CONSISTENT,
    /** The domain was shut off: nothing was writing. */
    SHUT_OFF
}
