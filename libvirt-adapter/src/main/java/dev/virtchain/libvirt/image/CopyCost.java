package dev.virtchain.libvirt.image;

/**
 * What a merge (commit or pull) of image layers would have to write.
 *
 * @param dataBytes bytes of data to copy: the cost that matters, in time and in space
 * @param zeroBytes bytes that read as explicit zeroes and must be written as zeroes (a cheap
 *                  metadata write in qcow2, but the merge is not correct without them)
 */
public record CopyCost(long dataBytes, long zeroBytes) {
    public static final CopyCost NONE = new CopyCost(0, 0);

    public CopyCost {
        if (dataBytes < 0 || zeroBytes < 0) {
            throw new IllegalArgumentException("copy cost cannot be negative: data " + dataBytes + ", zero " + zeroBytes);
        }
    }

    CopyCost plus(CopyCost other) {
        return new CopyCost(dataBytes + other.dataBytes, zeroBytes + other.zeroBytes);
    }

    CopyCost plus(ImageExtent e) {
        return e.data() ? new CopyCost(dataBytes + e.length(), zeroBytes)
                : new CopyCost(dataBytes, zeroBytes + e.length());
    }
}
