package dev.virtchain.libvirt;

import org.libvirt.Library;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libvirt's process-wide default event loop, run on one daemon thread.
 *
 * <p>It must be registered before the first connection is opened: a connection only gets its
 * socket watched (events, close notification, keepalive replies) when an event implementation
 * exists at open time. Without a running loop libvirtd's keepalive drops an idle connection after
 * about 40 seconds. The loop is never stopped: libvirt offers no way to unregister the default
 * implementation, and connections of other code in the same JVM may rely on it.
 */
final class EventLoop {
    private static final Logger LOG = LoggerFactory.getLogger(EventLoop.class);
    private static Thread thread;

    private EventLoop() {}

    static synchronized void ensureRunning() {
        if (thread != null) {
            return;
        }
        NativeSearchPath.useKnownDirectories();
        try {
            Library.initEventLoop();
        } catch (LibvirtException e) {
            throw new IllegalStateException("cannot register libvirt's default event loop: " + e.getMessage(), e);
        }
        thread = new Thread(EventLoop::run, "libvirt-event-loop");
        thread.setDaemon(true);
        thread.start();
    }

    private static void run() {
        while (true) {
            try {
                Library.runEventLoop();
                return; // only if someone called Library.stopEventLoop()
            } catch (InterruptedException e) {
                LOG.info("libvirt event loop interrupted; stopping it");
                return;
            } catch (LibvirtException | RuntimeException e) {
                // A callback threw or one iteration failed: the loop must survive, or every
                // connection of this process goes deaf and keepalive kills it.
                LOG.warn("libvirt event loop iteration failed; continuing", e);
            }
        }
    }
}
