package dev.virtchain.daemon.commands;

import dev.virtchain.daemon.files.DestinationRefused;
import dev.virtchain.libvirt.image.ImageRefused;

import dev.virtchain.daemon.control.CommandFailure;
import dev.virtchain.daemon.control.ErrorCode;
import dev.virtchain.daemon.exec.OperationRefused;
import dev.virtchain.daemon.exec.StepFailed;
import dev.virtchain.daemon.ledger.LedgerFileException;
import dev.virtchain.daemon.ledger.StaleLedger;
import dev.virtchain.libvirt.DomainNotFoundException;
import dev.virtchain.libvirt.BlockJobRefused;
import dev.virtchain.libvirt.HypervisorException;
import dev.virtchain.libvirt.Involved;
import dev.virtchain.libvirt.LibvirtUnreachableException;
import dev.virtchain.libvirt.image.ImageToolException;
import dev.virtchain.libvirt.xml.DomainXmlException;
import dev.virtchain.model.ChainDrift;
import dev.virtchain.model.ChainException;
import dev.virtchain.model.InvalidName;
import dev.virtchain.model.InvalidText;
import dev.virtchain.model.Refused;
import dev.virtchain.model.UnknownDisk;
import dev.virtchain.model.UnknownSnapshot;

/**
 * Turns the daemon's typed errors into the protocol's error codes, keeping the domain, disk,
 * snapshot and file they name. The messages are already written for people (they say what to
 * do), so they pass through unchanged.
 */
final class Failures {
    private Failures() {}

    /** The protocol error for {@code e}, which happened while working on {@code domain}. */
    static CommandFailure of(RuntimeException e, String domain) {
        if (e instanceof ChainException c) {
            return chain(c, domain);
        }
        if (e instanceof OperationRefused r) {
            ErrorCode code = switch (r.reason()) {
                case BUSY -> ErrorCode.BUSY;
                case NOT_MANAGED -> ErrorCode.UNKNOWN_DOMAIN;
                // An interrupted operation is not cleared by waiting: recovery (a restart) settles it.
                case NO_SPACE, EXISTS, INTERRUPTED, LEDGER_UNREADABLE -> ErrorCode.REFUSED;
            };
            return new CommandFailure(code, e.getMessage(), orElse(r.domain(), domain), r.disk(), null, r.file(), e);
        }
        if (e instanceof StepFailed f) {
            return new CommandFailure(ErrorCode.FAILED, withCause(f), orElse(f.domain(), domain), f.disk(), null,
                    f.file(), e);
        }
        if (e instanceof StaleLedger s) {
            // Another writer saved the ledger first; the command can be run again on the new one.
            return new CommandFailure(ErrorCode.BUSY, e.getMessage(), orElse(s.domain(), domain), null, null, null, e);
        }
        if (e instanceof DomainNotFoundException) {
            return new CommandFailure(ErrorCode.UNKNOWN_DOMAIN, "libvirt has no domain " + domain
                    + " (any more); list the domains with 'virtchain domains'", domain, null, null, null, e);
        }
        if (e instanceof LibvirtUnreachableException) {
            // Nothing was changed (a step cut off mid-way is a StepFailed), and virtchaind
            // reconnects by itself: the same request succeeds once libvirtd is back.
            return new CommandFailure(ErrorCode.BUSY, e.getMessage(), domain, null, null, null, e);
        }
        if (e instanceof HypervisorException h) {
            Involved i = h.involved();
            // A job refused before libvirt was asked changed nothing: a refusal, not a fault.
            return new CommandFailure(h instanceof BlockJobRefused ? ErrorCode.REFUSED : ErrorCode.FAILED, e.getMessage(), i == null ? domain : orElse(i.domain(), domain),
                    i == null ? null : i.disk(), i == null ? null : i.snapshot(),
                    i == null || i.file() == null ? null : i.file().toString(), e);
        }
        if (e instanceof ImageRefused r) {
            return new CommandFailure(ErrorCode.REFUSED, e.getMessage(), orElse(r.domain(), domain), r.disk(), null,
                    r.image() == null ? null : r.image().toString(), e);
        }
        if (e instanceof DestinationRefused r) {
            return new CommandFailure(ErrorCode.REFUSED, e.getMessage(), domain, null, null, r.path().toString(), e);
        }
        if (e instanceof DomainXmlException x) {
            String dom = x.domain().orElse(domain);
            if (x instanceof DomainXmlException.NoSuchDisk d) {
                return new CommandFailure(ErrorCode.UNKNOWN_DISK, e.getMessage(), dom, d.target(), null, null, e);
            }
            String disk = x instanceof DomainXmlException.NotAFileDisk d ? d.target()
                    : x instanceof DomainXmlException.NotClonable d ? d.target() : null;
            // A disk virtchain cannot work with is a refusal; XML it cannot read is a fault.
            return new CommandFailure(disk == null ? ErrorCode.FAILED : ErrorCode.REFUSED, e.getMessage(), dom, disk,
                    null, null, e);
        }
        if (e instanceof LedgerFileException f) {
            return new CommandFailure(ErrorCode.FAILED, e.getMessage(), domain, null, null, f.file(), e);
        }
        if (e instanceof ImageToolException) {
            return new CommandFailure(ErrorCode.FAILED, e.getMessage(), domain, null, null, null, e);
        }
        return new CommandFailure(ErrorCode.FAILED, e.getMessage() == null ? e.toString() : e.getMessage(), domain,
                null, null, null, e);
    }

    private static CommandFailure chain(ChainException c, String domain) {
        ErrorCode code;
        if (c instanceof InvalidName || c instanceof InvalidText) {
            code = ErrorCode.INVALID_ARGUMENT;
        } else if (c instanceof UnknownSnapshot) {
            code = ErrorCode.UNKNOWN_SNAPSHOT;
        } else if (c instanceof UnknownDisk) {
            code = ErrorCode.UNKNOWN_DISK;
        } else if (c instanceof Refused || c instanceof ChainDrift) {
            // Drift is a refusal on purpose: planning on a chain changed behind virtchain's back
            // could lose a point in time; the message says to run adopt.
            code = ErrorCode.REFUSED;
        } else {
            // InvariantViolation: a ledger that breaks its own rules is a fault, not a refusal.
            code = ErrorCode.FAILED;
        }
        return new CommandFailure(code, c.getMessage(), c.domain().orElse(domain), c.disk().orElse(null),
                c.snapshot().orElse(null), c.image().orElse(null), c);
    }

    /** A step failure's message plus its suppressed cleanup problems, which the operator needs to know about. */
    private static String withCause(StepFailed f) {
        StringBuilder b = new StringBuilder(f.getMessage());
        for (Throwable s : f.getSuppressed()) {
            b.append("; also: ").append(s.getMessage());
        }
        return b.toString();
    }

    private static String orElse(String a, String b) {
        return a != null ? a : b;
    }
}
