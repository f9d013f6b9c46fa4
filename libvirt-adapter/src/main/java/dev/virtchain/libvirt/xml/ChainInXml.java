package dev.virtchain.libvirt.xml;

/**
 * How much of a disk's backing chain the domain XML states. Decides whether the chain can be
 * taken from the XML or must be read from the image headers ({@code qemu-img info}).
 */
public enum ChainInXml {
    /**
     * The chain ends in an empty {@code <backingStore/>}: libvirt knows every image down to the
     * bottom. This is the live XML of a running domain, where it is what QEMU has open.
     */
    COMPLETE,
    /**
     * {@code <backingStore>} elements without the closing empty one: a chain libvirt stored in
     * the inactive definition (for example after a snapshot while running). It may be stale if
     * images were changed offline since.
     */
    STORED,
    /** No {@code <backingStore>}: the usual inactive definition. The headers are the only truth. */
    ABSENT
}
