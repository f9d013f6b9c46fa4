package dev.virtchain.daemon.control;

import dev.virtchain.daemon.Heartbeat;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's end of the control socket. One acceptor thread hands each connection to a
 * bounded pool (a thread per connection: a command may run for hours while it streams
 * progress). When every thread is busy and the small queue is full, a new connection is told
 * {@link ErrorCode#BUSY} at once rather than left hanging.
 *
 * <p>The acceptor wakes at least once a second and beats a {@link Heartbeat} pulse, so a
 * dead or wedged acceptor stops the systemd watchdog keep-alives.
 */
public final class ControlSocket implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ControlSocket.class);

    /** Longest request line accepted; the largest real request is a list of snapshot names. */
    public static final int MAX_REQUEST_BYTES = 64 * 1024;

    private static final Duration ACCEPT_WAKEUP = Duration.ofSeconds(1);
    private static final Duration ACCEPTOR_MAX_SILENCE = Duration.ofSeconds(30);

    private final SocketFile file;
    private final Commands commands;
    private final PeerAccess access;
    private final Heartbeat heartbeat;
    private final Connection.Limits limits;
    private final ThreadPoolExecutor connections;
    private final ThreadPoolExecutor refusals;
    private final ScheduledExecutorService timers;
    private volatile boolean closing;
    private ServerSocketChannel server;
    private Selector selector;
    private Thread acceptor;

    /**
     * @param maxConnections connections served at once; as many again may wait in the queue
     */
    public ControlSocket(Path path, String groupName, Commands commands, PeerAccess access, Heartbeat heartbeat,
                         int maxConnections, Duration requestTimeout) {
        this.file = new SocketFile(Objects.requireNonNull(path, "path"), groupName);
        this.commands = Objects.requireNonNull(commands, "commands");
        this.access = Objects.requireNonNull(access, "access");
        this.heartbeat = Objects.requireNonNull(heartbeat, "heartbeat");
        this.limits = new Connection.Limits(MAX_REQUEST_BYTES, requestTimeout, Duration.ofSeconds(30));
        this.connections = new ThreadPoolExecutor(maxConnections, maxConnections, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(maxConnections), threads("control-"));
        this.connections.allowCoreThreadTimeOut(true);
        // Telling a client "busy" still means reading its request; one thread does that for all of them.
        this.refusals = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(maxConnections),
                threads("control-busy-"));
        this.refusals.allowCoreThreadTimeOut(true);
        this.timers = Executors.newSingleThreadScheduledExecutor(threads("control-timer-"));
    }

    /** Binds the socket, sets its mode and group, and starts accepting. */
    public synchronized void start() throws IOException {
        if (server != null) {
            throw new IllegalStateException("control socket already started");
        }
        Optional<GroupPrincipal> group = file.group();
        file.prepareDirectory(group);
        file.clearStale();
        ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.bind(UnixDomainSocketAddress.of(file.path()));
            // Between bind and here the socket has the umask's mode; the peer check covers that window.
            file.restrict(group);
            channel.configureBlocking(false);
            selector = Selector.open();
            channel.register(selector, SelectionKey.OP_ACCEPT);
        } catch (IOException | RuntimeException e) {
            try {
                channel.close();
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            file.remove();
            throw e;
        }
        server = channel;
        Heartbeat.Pulse pulse = heartbeat.register("control-socket acceptor", ACCEPTOR_MAX_SILENCE);
        acceptor = new Thread(() -> acceptLoop(pulse), "control-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
        log.info("control socket listening on {} (only root and group '{}' may use it)", file.path(), access.groupName());
    }

    public Path path() {
        return file.path();
    }

    private void acceptLoop(Heartbeat.Pulse pulse) {
        try (pulse) {
            while (!closing) {
                selector.select(ACCEPT_WAKEUP.toMillis());
                selector.selectedKeys().clear();
                pulse.beat();
                SocketChannel client;
                while (!closing && (client = server.accept()) != null) {
                    hand(client);
                }
            }
        } catch (ClosedChannelException e) {
            // close() got here first
        } catch (IOException | RuntimeException e) {
            if (!closing) {
                log.error("control socket acceptor failed; the watchdog will notice", e);
            }
        }
    }

    private void hand(SocketChannel client) {
        Connection connection = new Connection(client, commands, access, timers, limits);
        try {
            connections.execute(connection);
        } catch (RejectedExecutionException e) {
            log.warn("refusing a control connection: all {} connection threads are busy", connections.getMaximumPoolSize());
            try {
                refusals.execute(connection::refuseBusy);
            } catch (RejectedExecutionException full) {
                closeQuietly(client); // a flood: not even a refusal can be afforded
            }
        }
    }

    /** Stops accepting, removes the socket file, and gives running commands {@code grace} to finish. */
    public void close(Duration grace) {
        synchronized (this) {
            if (closing) {
                return;
            }
            closing = true;
        }
        if (selector != null) {
            selector.wakeup();
        }
        try {
            if (acceptor != null) {
                acceptor.join(ACCEPT_WAKEUP.multipliedBy(2).toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            if (server != null) {
                server.close();
            }
            if (selector != null) {
                selector.close();
            }
        } catch (IOException e) {
            log.warn("closing the control socket: {}", e.getMessage());
        }
        if (server != null) {
            file.remove();
        }
        connections.shutdown();
        try {
            if (!connections.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("{} control connections still running after {} s; interrupting them",
                        connections.getActiveCount(), grace.toSeconds());
                connections.shutdownNow();
            }
        } catch (InterruptedException e) {
            connections.shutdownNow();
            Thread.currentThread().interrupt();
        }
        refusals.shutdownNow();
        timers.shutdownNow();
    }

    private static void closeQuietly(SocketChannel client) {
        try {
            client.close();
        } catch (IOException e) {
            // already gone
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            // Never the reason the JVM stays up: shutdown is driven by close().
            t.setDaemon(true);
            return t;
        };
    }
}
