package dev.virtchain.libvirt;

import java.util.Optional;
import org.libvirt.Error;
import org.libvirt.LibvirtException;

/**
 * Everything the adapter throws. Each error names what it is about ({@link #involved()}) and its
 * message says what to do. The hierarchy is sealed so the daemon's handling stays exhaustive.
 */
public abstract sealed class HypervisorException extends RuntimeException
        permits LibvirtCallException, LibvirtUnreachableException, DomainNotFoundException,
                PivotRefusedException, SnapshotException, BlockJobRefused {
    private final transient Involved involved;

    HypervisorException(String message, Involved involved, Throwable cause) {
        this(message + " (" + involved + ")", cause, involved);
    }

    /** For a message that already names what it is about, in the user's words. */
    HypervisorException(String message, Throwable cause, Involved involved) {
        super(message, cause);
        this.involved = involved;
    }

    public Involved involved() {
        return involved;
    }

    /** libvirt's error code (e.g. {@code VIR_ERR_OPERATION_INVALID}) when libvirt raised it. */
    public Optional<String> libvirtCode() {
        return libvirtError(getCause()).map(e -> e.getCode().name());
    }

    static Optional<Error> libvirtError(Throwable t) {
        return t instanceof LibvirtException le && le.getError() != null ? Optional.of(le.getError()) : Optional.empty();
    }

    static boolean hasCode(LibvirtException e, Error.ErrorNumber code) {
        return e.getError() != null && e.getError().getCode() == code;
    }

    /**
     * The typed error for a failed libvirt call. {@code connectionAlive} is the session's view:
     * a call on a dropped connection fails with several different codes (RPC, system error,
     * internal "client socket is closed"), so the connection's state decides, not the code.
     */
    static HypervisorException from(LibvirtException e, String action, Involved involved, boolean connectionAlive) {
        if (!connectionAlive) {
            return new LibvirtUnreachableException("cannot " + action + ": the connection to libvirtd is down ("
                    + e.getMessage() + "); virtchain reconnects by itself, retry when it is back", involved, e);
        }
        if (hasCode(e, Error.ErrorNumber.VIR_ERR_NO_DOMAIN)) {
            return new DomainNotFoundException("cannot " + action + ": libvirt knows no such domain; "
                    + "it was undefined or renamed", involved, e);
        }
        return new LibvirtCallException("cannot " + action + ": " + e.getMessage(), involved, e);
    }
}
