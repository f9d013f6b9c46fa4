package dev.virtchain.libvirt.xml;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A file-backed disk of a domain, as its XML describes it.
 *
 * @param target      the guest device name ({@code vda}); the key of a disk everywhere in virtchain
 * @param bus         {@code virtio}, {@code sata}, …
 * @param device      disk, cdrom, …
 * @param format      the active image's format ({@code <driver type>}), {@code null} if not given
 * @param source      the active image, {@code null} for an empty drive (a cdrom without media)
 * @param sourceIndex libvirt's node index of the active image, 0 in inactive definitions
 * @param alias       the device alias ({@code virtio-disk0}), {@code null} when shut off
 * @param readonly    {@code <readonly/>}
 * @param shareable   {@code <shareable/>}
 * @param backing     the images below {@code source}, nearest first, as far as the XML states them
 * @param chainInXml  whether {@link #backing} is the whole chain, a stored copy, or absent
 */
public record Disk(String target, String bus, DiskDevice device, String format, Path source, int sourceIndex,
                   String alias, boolean readonly, boolean shareable, List<BackingImage> backing,
                   ChainInXml chainInXml) {

    public Disk {
        backing = List.copyOf(backing);
    }

    /**
     * True for a disk whose chain virtchain snapshots: a writable, unshared disk with an image.
     * A read-only disk never changes; a shareable one is written by others too, so no point in
     * time of it can be taken from this domain alone.
     */
    public boolean snapshottable() {
        return device == DiskDevice.DISK && source != null && !readonly && !shareable;
    }

    /** The active image and the backing files the XML names under it, active first. */
    public List<Path> chainFiles() {
        List<Path> files = new ArrayList<>();
        if (source != null) {
            files.add(source);
        }
        backing.forEach(b -> files.add(b.file()));
        return files;
    }
}
