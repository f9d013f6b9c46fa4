package dev.virtchain.libvirt;

/** libvirt does not know the domain (anymore): undefined, renamed, or a transient domain that stopped. */
public final class DomainNotFoundException extends HypervisorException {
    private static final long serialVersionUID = 1L;

    DomainNotFoundException(String message, Involved involved, Throwable cause) {
        super(message, involved, cause);
    }
}
