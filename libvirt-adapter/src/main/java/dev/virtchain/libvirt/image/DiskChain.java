package dev.virtchain.libvirt.image;

import java.nio.file.Path;
import java.util.List;

/**
 * A disk's backing chain as virtchain acts on it: the active image first, then each backing
 * file down to the bottom.
 *
 * @param domain the domain's name
 * @param target the disk's target ({@code vda})
 * @param images active image first; each with its format
 * @param source where the chain was read from
 */
public record DiskChain(String domain, String target, List<Link> images, Source source) {

    /** One image of the chain. */
    public record Link(Path file, String format) {
    }

    /** Where a chain was read from. */
    public enum Source {
        /** The domain XML's complete {@code <backingStore>} chain: what libvirt and QEMU have open. */
        DOMAIN_XML,
        /** The image headers ({@code qemu-img info --backing-chain}), because the XML did not state the whole chain. */
        IMAGE_HEADERS
    }

    public DiskChain {
        images = List.copyOf(images);
        if (images.isEmpty()) {
            throw new IllegalArgumentException("the chain of " + domain + "/" + target + " has no image");
        }
    }

    /** The image the guest writes to. */
    public Link active() {
        return images.get(0);
    }

    /** The bottom image, which has no backing file. */
    public Link bottom() {
        return images.get(images.size() - 1);
    }

    /** The files, active first. */
    public List<Path> files() {
        return images.stream().map(Link::file).toList();
    }
}
