package dev.virtchain.libvirt.xml;

import java.util.Locale;

/** What a disk looks like to the guest ({@code <disk device>}). */
public enum DiskDevice {
    DISK, CDROM, FLOPPY, LUN;

    static DiskDevice of(String xml) {
        // libvirt's default when the attribute is left out
        return xml == null ? DISK : valueOf(xml.toUpperCase(Locale.ROOT));
    }
}
