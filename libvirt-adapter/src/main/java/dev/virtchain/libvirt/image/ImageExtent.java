package dev.virtchain.libvirt.image;

/**
 * One run of guest offsets that reads from the same layer in the same way
 * ({@code qemu-img map --output=json}).
 *
 * @param start   guest offset in bytes
 * @param length  bytes in the run
 * @param depth   how many backing steps below the mapped image the bytes come from: 0 is the
 *                mapped image itself. For a run no layer allocates ({@code present == false}) it
 *                is the depth of the bottom image
 * @param present some layer of the chain allocates the run (data or an explicit zero)
 * @param zero    the run reads as zeroes
 * @param data    the run is stored as data (not a zero flag, not a hole)
 * @param offset  host offset in the layer's file, or -1 when the run has no host storage
 */
public record ImageExtent(long start, long length, int depth, boolean present, boolean zero, boolean data,
                          long offset) {

    /** The guest offset one past the run. */
    public long end() {
        return start + length;
    }
}
