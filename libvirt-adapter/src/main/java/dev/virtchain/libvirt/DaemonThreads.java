package dev.virtchain.libvirt;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Threads for virtchain's pools: daemon threads (never the reason a JVM stays up; the daemon's
 * shutdown is driven by its own stop, and whatever is journalled is finished by recovery), named
 * for what they do so that a thread dump or a log line says it.
 */
public final class DaemonThreads {
    private DaemonThreads() {}

    /** Threads named {@code prefix1}, {@code prefix2}, … in the order they are made. */
    public static ThreadFactory numbered(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> daemon(r, prefix + n.incrementAndGet());
    }

    /** Threads all named {@code name}: for a pool of one. */
    public static ThreadFactory named(String name) {
        return r -> daemon(r, name);
    }

    /** A daemon thread named {@code name}, not started. */
    public static Thread daemon(Runnable task, String name) {
        Thread t = new Thread(task, name);
        t.setDaemon(true);
        return t;
    }
}
