package dev.virtchain.libvirt.xml;

import java.nio.file.Path;

/**
 * One image below a disk's active image, as the domain XML's {@code <backingStore>} names it.
 *
 * @param file   the image (libvirt always shows it resolved to an absolute path, even when the
 *               header above names it relatively)
 * @param format its format ({@code <format type>}), {@code null} if the XML leaves it out
 * @param index  libvirt's node index ({@code vda[3]} in block-job arguments), 0 when the XML has
 *               none (inactive definitions). Not ordered by depth: a base can have a higher
 *               index than its overlay
 */
public record BackingImage(Path file, String format, int index) {
}
