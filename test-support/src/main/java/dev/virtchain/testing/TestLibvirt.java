package dev.virtchain.testing;

import org.libvirt.Connect;
import org.libvirt.LibvirtException;

/**
 * The libvirtd every integration test talks to: the one {@link LibvirtdUnderTest} names
 * ({@code VIRTCHAIN_TEST_URI}, default {@code qemu:///system}). An unreachable libvirtd is a test
 * failure, never a skip: {@code scripts/test} installs and starts it. The first connection of a
 * test JVM prints which libvirt, QEMU and qemu-img the tests run against, so every leg's output
 * says what it proved.
 */
public final class TestLibvirt {
    private static Connect shared;
    /** Held so JNA keeps the callback alive; libvirt's own stderr printing only adds noise to test logs. */
    private static final org.libvirt.jna.Libvirt.VirErrorCallback SILENT = (userData, error) -> { };

    private TestLibvirt() {}

    public static String uri() {
        return LibvirtdUnderTest.uri();
    }

    /** One connection per test JVM, opened on first use; leftovers of killed runs are swept then. */
    public static synchronized Connect connection() {
        if (shared == null) {
            shared = open();
            System.out.println("[virtchain-test] hypervisor under test: " + LibvirtdUnderTest.describe(shared));
            Leftovers.sweep(shared);
            Runtime.getRuntime().addShutdownHook(new Thread(TestLibvirt::closeQuietly, "vctest-close"));
        } else if (!alive(shared)) {
            // libvirtd was restarted (a reconnect test does that): later tests get a fresh connection.
            shared = open();
        }
        return shared;
    }

    private static boolean alive(Connect conn) {
        try {
            return conn.isAlive();
        } catch (LibvirtException e) {
            return false;
        }
    }

    /** A fresh connection, for tests that need their own (the caller closes it). */
    public static Connect open() {
        try {
            Connect.setErrorCallback(SILENT);
            return new Connect(uri(), false);
        } catch (LibvirtException e) {
            throw new IllegalStateException("libvirtd is not reachable at " + uri() + ": " + e.getMessage()
                    + " (integration tests need a running libvirtd; scripts/test installs and starts it)", e);
        }
    }

    private static synchronized void closeQuietly() {
        try {
            if (shared != null) {
                shared.close();
            }
        } catch (LibvirtException ignored) {
            // the JVM is exiting
        }
    }
}
