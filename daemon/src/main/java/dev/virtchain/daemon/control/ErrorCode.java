package dev.virtchain.daemon.control;

/**
 * The {@code code} of an error response. Clients switch on it; the message is for people.
 * A client that meets a code it does not know treats it as {@link #FAILED}.
 */
public enum ErrorCode {
    /** No domain by that name (libvirt does not know it, or virtchain does not manage it). */
    UNKNOWN_DOMAIN,
    /** The domain has no disk with that target name. */
    UNKNOWN_DISK,
    /** The domain has no snapshot by that name. */
    UNKNOWN_SNAPSHOT,
    /** Another operation holds the domain, the host's block-job limit is reached, or the daemon is not ready yet. Try again later. */
    BUSY,
    /** The request is malformed: not JSON, too large, a missing or mistyped argument. */
    INVALID_ARGUMENT,
    /** The request was understood and is refused on purpose: it would lose data or break a rule (a protected holder, a branch). */
    REFUSED,
    /** The operation was tried and failed; the message says what happened and what state things are in. */
    FAILED,
    /** The peer is neither root nor a member of the socket's group. */
    FORBIDDEN,
    /** No command by that name. */
    UNKNOWN_COMMAND,
    /** The request's protocol version {@code v} is not one this daemon speaks. */
    UNSUPPORTED_VERSION
}
