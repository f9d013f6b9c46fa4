package dev.virtchain.daemon.systemd;

/** Where service-state notifications go. Lets the watchdog be tested without a service manager. */
public interface Notifier {

    /** Sends one or more newline-separated {@code KEY=VALUE} assignments, as sd_notify(3) defines them. */
    void send(String state);

    default void ready() {
        send("READY=1");
    }

    default void status(String text) {
        // A newline would end the assignment and start another one.
        send("STATUS=" + text.replace('\n', ' '));
    }

    default void stopping() {
        send("STOPPING=1");
    }

    default void watchdog() {
        send("WATCHDOG=1");
    }
}
