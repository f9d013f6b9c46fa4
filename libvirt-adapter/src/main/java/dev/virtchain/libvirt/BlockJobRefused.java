package dev.virtchain.libvirt;

/**
 * A block job was not asked of libvirt: the domain is not running, or the request does not fit
 * the disk's live chain (an image not on it, a base above its top, a pull that removes nothing, a
 * copy onto the chain itself). Nothing was started or changed; {@link #involved()} names the
 * domain, disk and image.
 */
public final class BlockJobRefused extends HypervisorException {
    private static final long serialVersionUID = 1L;

    BlockJobRefused(String message, Involved involved) {
        super(message, involved, null);
    }
}
