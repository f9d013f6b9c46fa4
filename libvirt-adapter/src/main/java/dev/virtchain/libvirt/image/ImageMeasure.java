package dev.virtchain.libvirt.image;

/**
 * Space a conversion of an image chain into one standalone image would need
 * ({@code qemu-img measure --output=json}).
 *
 * @param requiredBytes       for the data the chain shows now
 * @param fullyAllocatedBytes if every cluster were allocated
 */
public record ImageMeasure(long requiredBytes, long fullyAllocatedBytes) {
}
