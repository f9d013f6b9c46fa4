package dev.virtchain.model;

/** How consistent a snapshot's point in time is. */
public enum Consistency {
    /** Like pulling the plug: the guest's file systems may need recovery. */
    CRASH,
    /** Taken with the guest agent's file systems frozen. */
    QUIESCED
}
