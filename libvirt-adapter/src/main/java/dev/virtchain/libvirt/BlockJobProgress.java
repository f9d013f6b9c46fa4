package dev.virtchain.libvirt;

/**
 * Progress as libvirt reports it: {@code cur} of {@code end} bytes of work. {@code end} is not the
 * data to copy but the job's whole range (a pull's end is the disk size; unallocated parts pass
 * quickly), and {@code cur == end} does not mean done or READY.
 */
public record BlockJobProgress(long cur, long end, long bandwidthMiB) {
    /** 0..1, or 0 before QEMU reported a range. */
    public double fraction() {
        return end <= 0 ? 0 : Math.min(1.0, (double) cur / end);
    }
}
