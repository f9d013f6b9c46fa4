package dev.virtchain.libvirt.image;

/** How {@code qemu-img rebase} changes an image's backing file. */
public enum RebaseMode {
    /**
     * Copies into the image every run where the old and new backing chains differ, then rewrites
     * the pointer: what the image shows stays the same. This is an offline pull.
     */
    SAFE,
    /**
     * Only rewrites the pointer ({@code -u}). Correct only when the new backing file shows
     * exactly what the old one did, e.g. after committing the old backing file into the new one.
     */
    UNSAFE
}
