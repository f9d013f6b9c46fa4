package dev.virtchain.libvirt;

/** Whether a snapshot freezes the guest's file systems through the QEMU guest agent first. */
public enum QuiesceMode {
    /** Quiesce or fail. */
    YES,
    /** Crash-consistent: as if the power had been cut. */
    NO,
    /** Quiesce when the guest agent answers, else crash-consistent; the result says which. */
    AUTO
}
