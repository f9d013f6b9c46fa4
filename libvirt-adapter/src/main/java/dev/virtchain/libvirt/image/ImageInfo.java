package dev.virtchain.libvirt.image;

import java.nio.file.Path;
import java.util.Optional;

/**
 * One image of a chain as its own header describes it ({@code qemu-img info --output=json}).
 *
 * @param filename            the image, as qemu-img named it (absolute when asked with an absolute path)
 * @param format              {@code qcow2}, {@code raw}, …
 * @param virtualSize         guest-visible size in bytes
 * @param actualSize          bytes the file occupies on the host, or -1 when qemu-img does not say
 * @param clusterSize         qcow2 cluster size in bytes; 0 for formats without clusters
 * @param backingFilename     the backing name exactly as written in the header (relative names stay
 *                            relative), or {@code null} for a bottom image
 * @param fullBackingFilename the backing file resolved against this image's directory, or {@code null}
 * @param backingFormat       the backing format recorded in the header ({@code -F}), or {@code null}
 *                            when there is no backing file or it was never recorded
 * @param dirty               the image was not closed cleanly (qcow2 lazy refcounts)
 * @param corrupt             qcow2 marked the image corrupt; nothing may write it any more
 */
public record ImageInfo(Path filename, String format, long virtualSize, long actualSize, long clusterSize,
                        String backingFilename, Path fullBackingFilename, String backingFormat,
                        boolean dirty, boolean corrupt) {

    /** The resolved backing file, if this image has one. */
    public Optional<Path> backing() {
        return Optional.ofNullable(fullBackingFilename);
    }

    /**
     * True when the header names its backing file by an absolute host path. virtchain writes
     * relative names only, so a chain stays valid when its directory moves; an absolute name
     * means the image was made by hand or by libvirt without the RELATIVE flag.
     */
    public boolean hasAbsoluteBackingName() {
        return backingFilename != null && backingFilename.startsWith("/");
    }
}
