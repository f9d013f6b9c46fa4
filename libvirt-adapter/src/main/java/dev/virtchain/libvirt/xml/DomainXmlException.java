package dev.virtchain.libvirt.xml;

import java.util.Optional;

/**
 * Domain XML that cannot be read, or a requested change that does not fit the definition. Each
 * names the domain (when known) and the disk involved.
 */
public abstract sealed class DomainXmlException extends RuntimeException
        permits DomainXmlException.Unreadable, DomainXmlException.NoSuchDisk, DomainXmlException.NotAFileDisk,
                DomainXmlException.NotClonable {
    private static final long serialVersionUID = 1L;

    private final String domain;

    DomainXmlException(String domain, String message, Throwable cause) {
        super(message, cause);
        this.domain = domain;
    }

    /**
     * XML of {@code domain} that libvirt gave but that does not say what it must (the adapter's
     * readers outside this package find that out): {@code what} says what is missing.
     */
    public static DomainXmlException unreadable(String domain, String what) {
        return new Unreadable(domain, what, null);
    }

    /** The domain's name, when the XML got far enough to say it. */
    public Optional<String> domain() {
        return Optional.ofNullable(domain);
    }

    /** Not well-formed XML, or not a {@code <domain>} document. */
    public static final class Unreadable extends DomainXmlException {
        private static final long serialVersionUID = 1L;

        Unreadable(String domain, String what, Throwable cause) {
            super(domain, "cannot read the XML of domain " + (domain == null ? "(unnamed)" : domain) + ": " + what, cause);
        }
    }

    /** The definition has no disk with that target. */
    public static final class NoSuchDisk extends DomainXmlException {
        private static final long serialVersionUID = 1L;
        private final String target;

        NoSuchDisk(String domain, String target) {
            super(domain, "domain " + domain + " has no disk " + target, null);
            this.target = target;
        }

        public String target() {
            return target;
        }
    }

    /** The disk's source is not a plain file (block device, network, volume): virtchain does not manage it. */
    public static final class NotAFileDisk extends DomainXmlException {
        private static final long serialVersionUID = 1L;
        private final String target;
        private final String sourceType;

        NotAFileDisk(String domain, String target, String sourceType) {
            super(domain, "disk " + target + " of domain " + domain + " has a '" + sourceType
                    + "' source; virtchain manages only file-backed qcow2 chains", null);
            this.target = target;
            this.sourceType = sourceType;
        }

        public String target() {
            return target;
        }

        public String sourceType() {
            return sourceType;
        }
    }

    /** A clone would share a writable disk with its origin. */
    public static final class NotClonable extends DomainXmlException {
        private static final long serialVersionUID = 1L;
        private final String target;

        NotClonable(String domain, String target) {
            super(domain, "cannot clone " + domain + ": disk " + target + " is not in the snapshot and would be"
                    + " shared read-write with " + domain + "; snapshot every writable disk first", null);
            this.target = target;
        }

        public String target() {
            return target;
        }
    }
}
