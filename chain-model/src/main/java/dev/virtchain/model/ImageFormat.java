package dev.virtchain.model;

/** The format of an image file, as qemu-img names it. */
public enum ImageFormat {
    QCOW2("qcow2"),
    RAW("raw");

    private final String qemuName;

    ImageFormat(String qemuName) {
        this.qemuName = qemuName;
    }

    /** The name for {@code -f}/{@code -F} and libvirt's {@code <driver type=...>}. */
    public String qemuName() {
        return qemuName;
    }
}
