/**
 * Image files through {@code qemu-img}: the offline half of chain operations and the allocation
 * facts merges are chosen by.
 *
 * <ul>
 *   <li>{@link dev.virtchain.libvirt.image.QemuImg} runs {@code qemu-img} (argument lists, time
 *       limits, stderr kept in typed {@link dev.virtchain.libvirt.image.ImageToolException}s):
 *       create an overlay with a relative backing name, info, map, check, measure, offline
 *       commit, safe and unsafe rebase, full and diff export.</li>
 *   <li>{@link dev.virtchain.libvirt.image.ImageMap} turns a map into costs: what committing an
 *       image copies (its own runs), what pulling into it copies (runs of the layers above the new
 *       backing file).</li>
 *   <li>{@link dev.virtchain.libvirt.image.DiskChains} reads a disk's backing chain from the domain
 *       XML when it is complete there, from the image headers otherwise, and says which.</li>
 * </ul>
 *
 * <p>Files show what QEMU has flushed. A running domain's <em>active</em> image may be behind
 * its guest's writes; frozen holders are not. Facts about the active layer of a running domain
 * come from libvirt (package {@code dev.virtchain.libvirt}), not from here.
 */
package dev.virtchain.libvirt.image;
