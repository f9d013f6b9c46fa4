package dev.virtchain.libvirt.image;

import java.nio.file.Path;

/**
 * The result of {@code qemu-img check --output=json} on one image.
 *
 * @param image        the checked image
 * @param corruptions  metadata errors that can lose data
 * @param leaks        clusters allocated but unused (space lost, data safe; {@code -r leaks} repairs)
 * @param checkErrors  errors that kept the check from completing
 * @param allocatedClusters clusters the image allocates, or -1 when the format has none
 */
public record ImageCheck(Path image, long corruptions, long leaks, long checkErrors, long allocatedClusters) {

    /** No corruption, no leak, and the check ran to the end. */
    public boolean clean() {
        return corruptions == 0 && leaks == 0 && checkErrors == 0;
    }
}
