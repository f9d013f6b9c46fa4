package dev.virtchain.libvirt;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;
import org.libvirt.PackageAccess;
import org.libvirt.event.BlockJobListener;
import org.libvirt.event.BlockJobStatus;
import org.libvirt.event.BlockJobType;
import org.libvirt.event.ConnectionCloseReason;
import org.libvirt.event.DomainEvent;
import org.libvirt.event.LifecycleListener;
import org.libvirt.event.StartedDetail;
import org.libvirt.event.StoppedDetail;
import org.libvirt.jna.Libvirt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one connection to libvirtd, kept open: keepalive, a close listener, and reconnection with
 * backoff after libvirtd restarts, re-registering every event listener on the new connection.
 *
 * <p>Listener registration, reconnection and lifecycle dispatch all run on one thread
 * ({@code libvirt-session}): libvirt-java's listener bookkeeping is not thread-safe, and one thread
 * keeps lifecycle events in libvirt's order. Events arrive on the event-loop thread and are only
 * handed over from there, so a slow listener never stalls libvirt's socket handling.
 */
final class LibvirtSession implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LibvirtSession.class);

    /** Held in a static field so JNA keeps the callback alive; it silences libvirt's stderr printing. */
    private static final Libvirt.VirErrorCallback SILENT = (userData, error) -> { };

    /** Receives BLOCK_JOB_2 events of every domain; must only hand the event over. */
    interface BlockJobEventSink {
        void onBlockJobEvent(String domain, String disk, BlockJobType type, BlockJobStatus status);
    }

    @FunctionalInterface
    interface Call<T> {
        T apply(Connect conn) throws LibvirtException;
    }

    @FunctionalInterface
    interface DomainCall<T> {
        T apply(Domain domain) throws LibvirtException;
    }

    private final HostOptions options;
    private final ScheduledExecutorService thread;
    private final List<DomainLifecycleListener> lifecycleListeners = new CopyOnWriteArrayList<>();
    private final List<ConnectionListener> connectionListeners = new CopyOnWriteArrayList<>();
    private final List<BlockJobEventSink> blockJobSinks = new CopyOnWriteArrayList<>();
    // One object each, registered on every connection: libvirt-java deregisters by identity.
    private final LifecycleListener lifecycleHook = this::onLifecycle;
    private final BlockJobListener blockJobHook = this::onBlockJob;
    /** The live connection, {@code null} while reconnecting. Written only on the session thread. */
    private volatile Connect conn;
    private volatile boolean closed;
    private Duration nextDelay;
    private boolean reconnectScheduled;

    private LibvirtSession(HostOptions options) {
        this.options = options;
        this.thread = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("libvirt-session"));
        this.nextDelay = options.reconnectFirstDelay();
    }

    /** Connects now; an unreachable libvirtd is an error here (later drops are reconnected). */
    static LibvirtSession open(HostOptions options) {
        EventLoop.ensureRunning();
        LibvirtSession session = new LibvirtSession(options);
        try {
            session.thread.submit(() -> {
                session.conn = session.connect();
                return null;
            }).get();
            return session;
        } catch (ExecutionException e) {
            session.thread.shutdownNow();
            Throwable cause = e.getCause();
            throw new LibvirtUnreachableException("cannot connect to libvirtd at " + options.uri() + ": "
                    + cause.getMessage() + "; is libvirtd running?", Involved.host(), cause);
        } catch (InterruptedException e) {
            session.thread.shutdownNow();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while connecting to " + options.uri(), e);
        }
    }

    HostOptions options() {
        return options;
    }

    boolean isConnected() {
        Connect c = conn;
        return c != null && alive(c);
    }

    void addLifecycleListener(DomainLifecycleListener listener) {
        lifecycleListeners.add(listener);
    }

    void addConnectionListener(ConnectionListener listener) {
        connectionListeners.add(listener);
    }

    void addBlockJobSink(BlockJobEventSink sink) {
        blockJobSinks.add(sink);
    }

    /** Runs {@code call} on the current connection, translating failures into typed errors. */
    <T> T call(String action, Involved involved, Call<T> call) {
        Connect c = conn;
        if (c == null) {
            throw new LibvirtUnreachableException("cannot " + action + ": not connected to libvirtd at "
                    + options.uri() + "; reconnecting", involved, null);
        }
        try {
            return call.apply(c);
        } catch (LibvirtException e) {
            boolean alive = alive(c);
            if (!alive) {
                // The close callback normally arrives first; this covers a drop it has not reported yet.
                thread.execute(() -> lost(c, "a call failed on a dead connection"));
            }
            throw HypervisorException.from(e, action, involved, alive);
        }
    }

    /** Looks {@code domain} up on the current connection and runs {@code call} on it. */
    <T> T onDomain(String domain, String action, Involved involved, DomainCall<T> call) {
        return call(action, involved, c -> call.apply(c.domainLookupByName(domain)));
    }

    private static boolean alive(Connect c) {
        try {
            return c.isAlive();
        } catch (LibvirtException e) {
            return false;
        }
    }

    /**
     * Asks for keepalive messages; false when the connection cannot have them (an in-process
     * driver such as {@code test:///default} has no connection to keep alive).
     */
    private boolean keepAlive(Connect c) throws LibvirtException {
        try {
            return c.setKeepAlive(options.keepAliveInterval(), options.keepAliveCount());
        } catch (LibvirtException e) {
            if (HypervisorException.hasCode(e, org.libvirt.Error.ErrorNumber.VIR_ERR_NO_SUPPORT)) {
                return false;
            }
            throw e;
        }
    }

    // --- on the session thread ---------------------------------------------------------------

    private Connect connect() throws LibvirtException {
        Connect.setErrorCallback(SILENT);
        Connect c = new Connect(options.uri(), false);
        try {
            if (!keepAlive(c)) {
                LOG.warn("libvirtd at {} does not support keepalive; a hung daemon is noticed only on the next call",
                        options.uri());
            }
            c.registerCloseListener((closing, reason) -> onClose(closing, reason));
            c.addLifecycleListener(lifecycleHook);
            PackageAccess.addBlockJobListener(c, blockJobHook);
            return c;
        } catch (LibvirtException | RuntimeException e) {
            try {
                c.close();
            } catch (LibvirtException closeFailure) {
                e.addSuppressed(closeFailure);
            }
            throw e;
        }
    }

    /** On the event-loop thread: only hand over. */
    private void onClose(Connect closing, ConnectionCloseReason reason) {
        if (!closed) {
            thread.execute(() -> lost(closing, "closed by " + reason));
        }
    }

    private void lost(Connect dropped, String reason) {
        if (closed || dropped != conn) {
            return; // an old connection, already replaced
        }
        LOG.warn("connection to libvirtd at {} lost ({}); reconnecting", options.uri(), reason);
        conn = null;
        try {
            dropped.close();
        } catch (LibvirtException e) {
            LOG.debug("closing the dropped connection failed, as it may", e);
        }
        for (ConnectionListener l : connectionListeners) {
            notify(() -> l.onConnectionLost(reason));
        }
        nextDelay = options.reconnectFirstDelay();
        scheduleReconnect();
    }

    private void scheduleReconnect() {
        if (closed || reconnectScheduled) {
            return;
        }
        reconnectScheduled = true;
        thread.schedule(this::reconnect, nextDelay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void reconnect() {
        reconnectScheduled = false;
        if (closed || conn != null) {
            return;
        }
        try {
            conn = connect();
        } catch (LibvirtException | RuntimeException e) {
            Duration doubled = nextDelay.multipliedBy(2);
            nextDelay = doubled.compareTo(options.reconnectMaxDelay()) > 0 ? options.reconnectMaxDelay() : doubled;
            LOG.info("libvirtd at {} not back yet ({}); next attempt in {}", options.uri(), e.getMessage(), nextDelay);
            scheduleReconnect();
            return;
        }
        LOG.info("reconnected to libvirtd at {}", options.uri());
        for (ConnectionListener l : connectionListeners) {
            notify(l::onReconnected);
        }
    }

    private static void notify(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.warn("a connection listener failed", e);
        }
    }

    // --- events, on the event-loop thread ---------------------------------------------------------

    private int onLifecycle(Domain domain, DomainEvent event) {
        String name;
        String uuid;
        try {
            // Both are answered from the client-side handle, no round trip to libvirtd.
            name = domain.getName();
            uuid = domain.getUUIDString();
        } catch (LibvirtException e) {
            LOG.warn("lifecycle event {} for a domain whose name cannot be read; dropped", event, e);
            return 0;
        }
        DomainLifecycleEvent e = new DomainLifecycleEvent(name, uuid, kind(event), String.valueOf((Object) event.getDetail()));
        thread.execute(() -> {
            for (DomainLifecycleListener l : lifecycleListeners) {
                try {
                    l.onLifecycle(e);
                } catch (RuntimeException failure) {
                    LOG.warn("lifecycle listener failed on {}", e, failure);
                }
            }
        });
        return 0;
    }

    static DomainLifecycleEvent.Kind kind(DomainEvent event) {
        Object detail = event.getDetail();
        return switch (event.getType()) {
            case DEFINED -> DomainLifecycleEvent.Kind.DEFINED;
            case UNDEFINED -> DomainLifecycleEvent.Kind.UNDEFINED;
            case STARTED -> detail == StartedDetail.MIGRATED
                    ? DomainLifecycleEvent.Kind.MIGRATED_IN : DomainLifecycleEvent.Kind.STARTED;
            case STOPPED -> detail == StoppedDetail.MIGRATED
                    ? DomainLifecycleEvent.Kind.MIGRATED_OUT : DomainLifecycleEvent.Kind.STOPPED;
            default -> DomainLifecycleEvent.Kind.OTHER;
        };
    }

    private void onBlockJob(Domain domain, String disk, BlockJobType type, BlockJobStatus status) {
        String name;
        try {
            name = domain.getName();
        } catch (LibvirtException e) {
            LOG.warn("block job event {} {} on {} for an unnamed domain; dropped (polling covers it)", type, status, disk, e);
            return;
        }
        for (BlockJobEventSink sink : blockJobSinks) {
            sink.onBlockJobEvent(name, disk, type, status);
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            thread.submit(() -> {
                Connect c = conn;
                conn = null;
                if (c != null) {
                    try {
                        c.unregisterCloseListener();
                        // Registered callbacks hold a reference on the connection: without
                        // deregistering, virConnectClose would leave it open.
                        c.removeLifecycleListener(lifecycleHook);
                        c.removeBlockJobListener(blockJobHook);
                    } catch (LibvirtException | RuntimeException e) {
                        LOG.debug("deregistering listeners on close failed", e);
                    }
                    try {
                        c.close();
                    } catch (LibvirtException e) {
                        LOG.debug("closing the libvirt connection failed", e);
                    }
                }
            }).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("closing the libvirt session did not finish cleanly", e);
        } finally {
            thread.shutdownNow();
        }
    }
}
