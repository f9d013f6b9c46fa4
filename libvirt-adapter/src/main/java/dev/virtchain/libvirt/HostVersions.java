package dev.virtchain.libvirt;

import java.util.Objects;

/**
 * What the host runs: libvirt's version (of the daemon behind the connection) and the
 * hypervisor driver's name and version, each as {@code major.minor.release}.
 *
 * @param hypervisor the driver's name as libvirt gives it, {@code QEMU} for qemu:///system
 */
public record HostVersions(String libvirt, String hypervisor, String hypervisorVersion) {

    public HostVersions {
        Objects.requireNonNull(libvirt, "libvirt");
        Objects.requireNonNull(hypervisor, "hypervisor");
        Objects.requireNonNull(hypervisorVersion, "hypervisorVersion");
    }

    /** libvirt encodes a version as major * 1,000,000 + minor * 1,000 + release. */
    public static String decode(long v) {
        return (v / 1_000_000) + "." + (v / 1_000 % 1_000) + "." + (v % 1_000);
    }
}
