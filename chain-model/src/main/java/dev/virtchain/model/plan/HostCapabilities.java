package dev.virtchain.model.plan;

/**
 * What the host's libvirt/QEMU can do, as far as planning cares.
 *
 * @param livePullIntoActiveOnly libvirt's blockpull (virDomainBlockRebase) streams only into the
 *                               active image of a running domain; offline, qemu-img rebase
 *                               pulls into any image
 */
public record HostCapabilities(boolean livePullIntoActiveOnly) {
    /** libvirt 9.0 / QEMU 7.2 as measured. */
    public static final HostCapabilities DEFAULT = new HostCapabilities(true);
}
