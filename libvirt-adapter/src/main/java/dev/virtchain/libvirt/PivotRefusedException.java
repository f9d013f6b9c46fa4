package dev.virtchain.libvirt;

/** libvirt refused to pivot a block job because QEMU did not report it ready (yet), or the pivot retries ran out. */
public final class PivotRefusedException extends HypervisorException {
    private static final long serialVersionUID = 1L;

    PivotRefusedException(String message, Involved involved, Throwable cause) {
        super(message, involved, cause);
    }
}
