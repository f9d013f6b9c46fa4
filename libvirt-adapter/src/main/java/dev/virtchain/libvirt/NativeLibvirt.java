package dev.virtchain.libvirt;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import java.lang.ref.Reference;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;
import org.libvirt.PackageAccess;
import org.libvirt.jna.DomainPointer;
import org.libvirt.jna.virDomainBlockJobInfo;

/**
 * The libvirt calls libvirt-java 0.5.4 does not bind, called through JNA on the native pointer of
 * a libvirt-java {@link Domain}. A {@code -1} becomes the {@link LibvirtException} libvirt-java
 * throws everywhere else, so callers handle one exception type.
 */
final class NativeLibvirt {
    /** Bandwidth arguments are MiB/s unless a {@code *_BANDWIDTH_BYTES} flag is passed; we never pass it. */
    static final int REBASE_RELATIVE = 1 << 4; // VIR_DOMAIN_BLOCK_REBASE_RELATIVE

    /** The C signatures, from libvirt-domain.h. {@code unsigned long} is a {@link NativeLong}. */
    interface Binding extends Library {
        int virDomainBlockRebase(DomainPointer dom, String disk, String base, NativeLong bandwidth, int flags);

        int virDomainBlockJobSetSpeed(DomainPointer dom, String disk, NativeLong bandwidth, int flags);

        int virDomainGetBlockJobInfo(DomainPointer dom, String disk, virDomainBlockJobInfo info, int flags);

        int virDomainAgentSetResponseTimeout(DomainPointer dom, int timeout, int flags);

        int virDomainFSThaw(DomainPointer dom, com.sun.jna.Pointer mountpoints, int nmountpoints, int flags);

        int virDomainShutdownFlags(DomainPointer dom, int flags);
    }

    private static final class Holder {
        // The same shared object libvirt-java loaded: JNA returns the already-mapped library.
        static final Binding LIBVIRT = Native.load("virt", Binding.class);
    }

    private NativeLibvirt() {}

    /**
     * virDomainBlockRebase: with {@code base == null} a pull of the whole chain into the active
     * image; otherwise a pull of everything above {@code base} (libvirt pulls only into the active
     * image). {@code flags} 0 or {@link #REBASE_RELATIVE}.
     */
    static void blockRebase(Domain domain, String disk, String base, long bandwidthMiB, int flags)
            throws LibvirtException {
        try {
            fail(PackageAccess.check(Holder.LIBVIRT.virDomainBlockRebase(
                    PackageAccess.pointer(domain), disk, base, new NativeLong(bandwidthMiB), flags)), "virDomainBlockRebase");
        } finally {
            Reference.reachabilityFence(domain);
        }
    }

    /** virDomainBlockJobSetSpeed, in MiB/s; 0 lifts the limit. */
    static void blockJobSetSpeed(Domain domain, String disk, long bandwidthMiB) throws LibvirtException {
        try {
            fail(PackageAccess.check(Holder.LIBVIRT.virDomainBlockJobSetSpeed(
                    PackageAccess.pointer(domain), disk, new NativeLong(bandwidthMiB), 0)), "virDomainBlockJobSetSpeed");
        } finally {
            Reference.reachabilityFence(domain);
        }
    }

    /**
     * virDomainGetBlockJobInfo, keeping the return code libvirt-java's {@code getBlockJobInfo}
     * drops: 0 means "no job on this disk", which its all-zero record cannot tell apart.
     * Returns {@code null} when there is no job.
     */
    static virDomainBlockJobInfo blockJobInfo(Domain domain, String disk) throws LibvirtException {
        virDomainBlockJobInfo info = new virDomainBlockJobInfo();
        int rc;
        try {
            rc = PackageAccess.check(Holder.LIBVIRT.virDomainGetBlockJobInfo(PackageAccess.pointer(domain), disk, info, 0));
        } finally {
            Reference.reachabilityFence(domain);
        }
        fail(rc, "virDomainGetBlockJobInfo");
        return rc == 0 ? null : info;
    }

    /**
     * virDomainAgentSetResponseTimeout (libvirt 5.10): how long libvirt waits for the guest agent's
     * answer to each command on this running domain ({@code virsh guest-agent-timeout}). libvirt's
     * own sync before each command has a fixed 5 s limit of its own.
     */
    static void agentSetResponseTimeout(Domain domain, int seconds) throws LibvirtException {
        try {
            fail(PackageAccess.check(Holder.LIBVIRT.virDomainAgentSetResponseTimeout(
                    PackageAccess.pointer(domain), seconds, 0)), "virDomainAgentSetResponseTimeout");
        } finally {
            Reference.reachabilityFence(domain);
        }
    }

    /** virDomainShutdownFlags with VIR_DOMAIN_SHUTDOWN_GUEST_AGENT | ACPI_POWER_BTN: the agent, else ACPI. */
    static void shutdownGracefully(Domain domain) throws LibvirtException {
        try {
            fail(PackageAccess.check(Holder.LIBVIRT.virDomainShutdownFlags(PackageAccess.pointer(domain), 2 | 1)),
                    "virDomainShutdownFlags");
        } finally {
            Reference.reachabilityFence(domain);
        }
    }

    /** virDomainFSThaw of every mounted file system; returns how many were thawed. */
    static int fsThaw(Domain domain) throws LibvirtException {
        try {
            int rc = PackageAccess.check(Holder.LIBVIRT.virDomainFSThaw(PackageAccess.pointer(domain), null, 0, 0));
            fail(rc, "virDomainFSThaw");
            return rc;
        } finally {
            Reference.reachabilityFence(domain);
        }
    }

    /**
     * libvirt-java raises only errors of level ERROR; a {@code -1} with a mere warning (or none)
     * left behind must not pass for success.
     */
    private static void fail(int rc, String call) {
        if (rc == -1) {
            throw new IllegalStateException(call + " returned -1 without a libvirt error");
        }
    }
}
