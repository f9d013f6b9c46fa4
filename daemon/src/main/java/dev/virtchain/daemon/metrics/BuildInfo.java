package dev.virtchain.daemon.metrics;

import java.util.Objects;

/**
 * The labels of {@code virtchain_build_info}: virtchain's version, and the libvirt and QEMU
 * versions of the host ({@code unknown} while libvirt has not answered).
 */
public record BuildInfo(String version, String libvirtVersion, String qemuVersion) {
    public static final String UNKNOWN = "unknown";

    public BuildInfo {
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(libvirtVersion, "libvirtVersion");
        Objects.requireNonNull(qemuVersion, "qemuVersion");
    }
}
