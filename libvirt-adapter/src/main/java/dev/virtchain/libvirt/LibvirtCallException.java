package dev.virtchain.libvirt;

/** A libvirt call failed; the cause is libvirt-java's {@link org.libvirt.LibvirtException} with libvirt's code and message. */
public final class LibvirtCallException extends HypervisorException {
    private static final long serialVersionUID = 1L;

    LibvirtCallException(String message, Involved involved, Throwable cause) {
        super(message, involved, cause);
    }
}
