package dev.virtchain.libvirt;

import org.libvirt.event.BlockJobType;

/** The block jobs virtchain runs. */
public enum BlockJobKind {
    /** blockRebase into the active image: removes images between the active image and a base. */
    PULL,
    /** blockCommit of an image below the active one into an image further down. */
    COMMIT,
    /** blockCommit of the active image: mirrors until READY, then pivots (or is aborted). */
    ACTIVE_COMMIT,
    /** blockCopy of the active image (or whole chain) to a destination: READY, then pivot or finish. */
    COPY;

    /** True for jobs that reach READY and end only when told to (pivot, finish or abort). */
    public boolean hasReadyPhase() {
        return this == ACTIVE_COMMIT || this == COPY;
    }

    /** libvirt's {@code virDomainBlockJobType} number of this kind. */
    int libvirtType() {
        return switch (this) {
            case PULL -> 1;
            case COPY -> 2;
            case COMMIT -> 3;
            case ACTIVE_COMMIT -> 4;
        };
    }

    boolean matches(BlockJobType eventType) {
        return switch (this) {
            case PULL -> eventType == BlockJobType.PULL;
            case COPY -> eventType == BlockJobType.COPY;
            case COMMIT -> eventType == BlockJobType.COMMIT;
            case ACTIVE_COMMIT -> eventType == BlockJobType.ACTIVE_COMMIT;
        };
    }
}
