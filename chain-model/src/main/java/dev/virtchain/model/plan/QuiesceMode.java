package dev.virtchain.model.plan;

/** Whether a snapshot freezes the guest's file systems through the guest agent. */
public enum QuiesceMode {
    /** Crash-consistent. */
    NO,
    /** Quiesce or fail. */
    YES,
    /** Quiesce if the guest agent answers, else crash-consistent; the executor records which. */
    AUTO
}
