package dev.virtchain.model.sim;

/**
 * What {@code qemu-img info} says about one simulated image.
 *
 * @param path        the image's path, as given when it was created
 * @param format      its format
 * @param virtualSize the size the guest sees, in bytes
 * @param backing     the backing image's path, or null when the image has none
 */
public record ImageInfo(String path, ImageFormat format, long virtualSize, String backing) {

    public boolean hasBacking() {
        return backing != null;
    }
}
