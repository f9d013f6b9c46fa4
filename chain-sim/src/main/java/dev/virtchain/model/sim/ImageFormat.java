package dev.virtchain.model.sim;

/** On-disk format of a simulated image. */
public enum ImageFormat {
    /**
     * Allocates clusters on first write; an unallocated cluster is read from the backing
     * image, or as zeroes when there is none.
     */
    QCOW2,
    /**
     * No metadata and no backing file. QEMU reports every cluster of a raw file as allocated
     * (holes read as zeroes but still belong to this layer), so the simulator does too: a raw
     * image always allocates its whole virtual size, and clusters never written hold zero.
     */
    RAW
}
