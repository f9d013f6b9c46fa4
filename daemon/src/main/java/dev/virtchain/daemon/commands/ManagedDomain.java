package dev.virtchain.daemon.commands;

import dev.virtchain.daemon.control.CommandArgs;
import dev.virtchain.daemon.control.CommandFailure;
import dev.virtchain.daemon.control.ErrorCode;
import dev.virtchain.daemon.ledger.LedgerBook;
import dev.virtchain.daemon.ledger.StoredLedger;
import dev.virtchain.libvirt.DomainSummary;
import dev.virtchain.libvirt.LibvirtHost;
import dev.virtchain.model.InvalidName;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.Names;
import java.util.List;
import java.util.Optional;

/**
 * Reads the names in a request and finds the domain they are about. Every name is checked
 * fully here, before it reaches a ledger look-up, a file name or libvirt: the client checks too,
 * but the socket is open to any client.
 */
final class ManagedDomain {
    private ManagedDomain() {}

    /** A required name argument that follows {@link Names}' rule; {@code kind} is "domain", "snapshot", "disk target". */
    static String name(CommandArgs args, String key, String kind, String domain) throws CommandFailure {
        return valid(args.requiredString(key), key, kind, domain);
    }

    static Optional<String> optionalName(CommandArgs args, String key, String kind, String domain)
            throws CommandFailure {
        Optional<String> v = args.optionalString(key);
        if (v.isPresent()) {
            valid(v.get(), key, kind, domain);
        }
        return v;
    }

    static String valid(String value, String key, String kind, String domain) throws CommandFailure {
        try {
            return Names.requireValid(kind, value, domain);
        } catch (InvalidName e) {
            throw new CommandFailure(ErrorCode.INVALID_ARGUMENT, "argument '" + key + "': " + e.getMessage(),
                    "domain".equals(kind) ? null : domain, null, null, null, e);
        }
    }

    /**
     * The stored ledger of a domain virtchain manages. A domain libvirt has but virtchain does not
     * manage, and a domain libvirt does not have, are both UNKNOWN_DOMAIN; the message tells them
     * apart and says what to do.
     */
    static StoredLedger require(LedgerBook book, LibvirtHost host, String domain) throws CommandFailure {
        Optional<StoredLedger> stored = book.byName(domain);
        if (stored.isPresent()) {
            return stored.get();
        }
        throw unknown(host, domain);
    }

    static Ledger ledger(LedgerBook book, LibvirtHost host, String domain) throws CommandFailure {
        return require(book, host, domain).ledger();
    }

    static CommandFailure unknown(LibvirtHost host, String domain) {
        List<DomainSummary> known;
        try {
            known = host.listDomains();
        } catch (RuntimeException e) {
            return new CommandFailure(ErrorCode.UNKNOWN_DOMAIN, "virtchain does not manage a domain " + domain
                    + ", and libvirt cannot be asked whether it has one (" + e.getMessage() + ")", domain, null,
                    null, null, e);
        }
        if (known.stream().anyMatch(d -> d.name().equals(domain))) {
            return new CommandFailure(ErrorCode.UNKNOWN_DOMAIN, "domain " + domain
                    + " is not managed by virtchain; run 'virtchain adopt " + domain + "' to take it over")
                    .withDomain(domain);
        }
        return new CommandFailure(ErrorCode.UNKNOWN_DOMAIN, "libvirt has no domain " + domain
                + "; list the domains virtchain manages with 'virtchain domains' (or all with 'virsh list --all')")
                .withDomain(domain);
    }
}
