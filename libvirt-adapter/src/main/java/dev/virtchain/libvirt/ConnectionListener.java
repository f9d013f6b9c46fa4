package dev.virtchain.libvirt;

/**
 * Told when the connection to libvirtd drops and when it is back. Events that happened in between
 * are lost: after {@link #onReconnected()} the daemon re-reads what it cares about.
 */
public interface ConnectionListener {
    default void onConnectionLost(String reason) {}

    default void onReconnected() {}
}
