package dev.virtchain.model;

import java.util.Optional;

/**
 * Base of virtchain's typed errors. Each carries the domain, disk, snapshot and image it is
 * about (any may be absent) and a message that names them and says what to do.
 */
public abstract sealed class ChainException extends RuntimeException
        permits InvalidName, InvalidText, UnknownSnapshot, UnknownDisk, Refused, InvariantViolation, ChainDrift {

    private static final long serialVersionUID = 1L;

    private final String domain;
    private final String disk;
    private final String snapshot;
    private final String image;

    ChainException(String message, String domain, String disk, String snapshot, String image) {
        super(message);
        this.domain = domain;
        this.disk = disk;
        this.snapshot = snapshot;
        this.image = image;
    }

    public Optional<String> domain() {
        return Optional.ofNullable(domain);
    }

    public Optional<String> disk() {
        return Optional.ofNullable(disk);
    }

    public Optional<String> snapshot() {
        return Optional.ofNullable(snapshot);
    }

    public Optional<String> image() {
        return Optional.ofNullable(image);
    }
}
