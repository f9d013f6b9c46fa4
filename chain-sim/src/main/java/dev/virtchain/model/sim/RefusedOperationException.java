package dev.virtchain.model.sim;

/**
 * The simulator refused an operation that would fail in QEMU or lose data on a real host.
 * Carries the image the refusal is about and why, so tests can assert on the reason.
 */
public final class RefusedOperationException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Why an operation was refused. */
    public enum Reason {
        /** The named image does not exist (never created, or unlinked). */
        NO_SUCH_IMAGE,
        /** The path names an existing image. */
        ALREADY_EXISTS,
        /** The path named an image that was unlinked; names are never reused. */
        NAME_REUSED,
        /** Another image still has it as backing; removing it would lose that image's data. */
        STILL_BACKING,
        /** A guest writes to it. */
        ACTIVE,
        /** The operation needs an image a guest writes to, and this one is not. */
        NOT_ACTIVE,
        /** The named base is not below the named image in its backing chain. */
        NOT_IN_CHAIN,
        /** The named overlay does not have the named image as backing. */
        NOT_A_CHILD,
        /** The new backing would make the image back itself. */
        BACKING_LOOP,
        /** The images' virtual sizes differ; resizing is not modelled. */
        SIZE_MISMATCH,
        /** A raw image cannot have a backing file. */
        RAW_HAS_NO_BACKING,
        /** A pivot target does not show what the guest sees now. */
        VIEWS_DIFFER,
        /** An offset, length or size is out of range or misaligned. */
        OUT_OF_RANGE
    }

    private final String image;
    private final Reason reason;

    RefusedOperationException(String image, Reason reason, String message) {
        super(message);
        this.image = image;
        this.reason = reason;
    }

    /** The image the refusal is about. */
    public String image() {
        return image;
    }

    public Reason reason() {
        return reason;
    }
}
