package dev.virtchain.libvirt.xml;

/**
 * A disk virtchain cannot manage, reported instead of thrown so the domain's other disks are
 * still read.
 *
 * @param domain     the domain's name
 * @param target     the disk's target ({@code vdb})
 * @param sourceType the disk's, or one backing image's, source type: {@code block}, {@code network},
 *                   {@code volume}, {@code dir}, …
 * @param detail     what the source is (device path, protocol and name, pool and volume)
 */
public record UnsupportedDisk(String domain, String target, String sourceType, String detail) {

    /** A sentence for logs and CLI output. */
    public String message() {
        return "disk " + target + " of domain " + domain + " has a '" + sourceType + "' source (" + detail
                + "); virtchain manages only file-backed images and leaves this disk alone";
    }
}
