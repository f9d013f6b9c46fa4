package dev.virtchain.libvirt;

/**
 * libvirt's view of one disk's active image ({@code virDomainGetBlockInfo}).
 *
 * @param capacity   the size the guest sees, in bytes
 * @param allocation bytes of the host file in use; for the active qcow2 image of a running domain
 *                   this is current, unlike {@code qemu-img map}, which lags until QEMU flushes
 * @param physical   the size of the host file
 */
public record DiskUsage(String domain, String disk, long capacity, long allocation, long physical) {}
