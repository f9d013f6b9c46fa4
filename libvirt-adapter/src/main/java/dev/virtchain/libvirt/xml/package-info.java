/**
 * libvirt domain XML: reading what virtchain needs, changing a definition without losing the rest.
 *
 * <ul>
 *   <li>{@link dev.virtchain.libvirt.xml.DomainXmlReader} reads live or inactive XML into a
 *       {@link dev.virtchain.libvirt.xml.DomainDescription}: identity, file-backed
 *       {@link dev.virtchain.libvirt.xml.Disk}s with their backing chain as far as the XML states
 *       it ({@link dev.virtchain.libvirt.xml.ChainInXml}), and an
 *       {@link dev.virtchain.libvirt.xml.UnsupportedDisk} report for block, network and volume
 *       disks instead of a failure.</li>
 *   <li>{@link dev.virtchain.libvirt.xml.DiskSourceRewrite} changes one disk's active image in a
 *       full inactive definition (for {@code defineXML} after an offline revert or commit) and
 *       keeps every other element, attribute and namespace.</li>
 *   <li>{@link dev.virtchain.libvirt.xml.PolicyMetadata} is virtchain's own element in the
 *       domain's {@code <metadata>}, namespace {@code https://virtchain.dev/xmlns/1}.</li>
 * </ul>
 *
 * <p>No class here talks to libvirt: they read and write strings, and golden files of real
 * {@code virsh dumpxml} output test them.
 */
package dev.virtchain.libvirt.xml;
