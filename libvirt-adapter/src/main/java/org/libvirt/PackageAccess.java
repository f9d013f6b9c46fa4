package org.libvirt;

import org.libvirt.event.BlockJobListener;
import org.libvirt.jna.DomainPointer;

/**
 * The few package-private corners of libvirt-java 0.5.4 that virtchain needs, and nothing else.
 *
 * <p>libvirt-java keeps a domain's native pointer in the package-private {@code Domain.vdp}, turns a
 * native {@code -1} into a {@link LibvirtException} only inside the package, and registers
 * BLOCK_JOB_2 for all domains only through a package-private method. virtchain binds the calls
 * libvirt-java lacks (virDomainBlockRebase, virDomainBlockJobSetSpeed) with JNA and needs all three.
 * This class lives in {@code org.libvirt} on the class path for that reason alone.
 */
public final class PackageAccess {
    private PackageAccess() {}

    /**
     * The native {@code virDomainPtr} of {@code domain}. It is valid only while {@code domain} is
     * reachable: the caller keeps it alive with {@link java.lang.ref.Reference#reachabilityFence}
     * until the native call returns, because {@code Domain.finalize} frees the pointer.
     */
    public static DomainPointer pointer(Domain domain) {
        return domain.vdp;
    }

    /**
     * Turns a native {@code -1} into the {@link LibvirtException} libvirt-java itself would throw,
     * built from libvirt's thread-local last error; so it must run on the thread that made the
     * native call, right after it. Returns {@code rc} when it is not an error.
     */
    public static int check(int rc) throws LibvirtException {
        return ErrorHandler.processError(rc);
    }

    /**
     * Registers {@code listener} for BLOCK_JOB_2 events of every domain on {@code conn}
     * (libvirt-java only offers the per-domain registration publicly).
     */
    public static void addBlockJobListener(Connect conn, BlockJobListener listener) throws LibvirtException {
        conn.domainEventRegister(null, listener);
    }
}
