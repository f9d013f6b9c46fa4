package dev.virtchain.libvirt;

/** libvirtd cannot be reached (not running, or the connection dropped and is being re-established). */
public final class LibvirtUnreachableException extends HypervisorException {
    private static final long serialVersionUID = 1L;

    public LibvirtUnreachableException(String message, Involved involved, Throwable cause) {
        super(message, involved, cause);
    }
}
