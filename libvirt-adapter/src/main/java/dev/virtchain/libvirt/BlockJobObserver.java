package dev.virtchain.libvirt;

/**
 * Told what a watched job does. Called on the watcher's thread, one call at a time per job; it
 * must not block.
 */
public interface BlockJobObserver {
    BlockJobObserver NONE = new BlockJobObserver() { };

    default void onProgress(BlockJob job, BlockJobProgress progress) {}

    default void onStateChange(BlockJob job, BlockJobState from, BlockJobState to) {}

    /** A pivot was refused (QEMU not ready); it is retried unless attempts ran out. */
    default void onPivotRefused(BlockJob job, int attempt, PivotRefusedException refusal) {}
}
