package dev.virtchain.daemon.control;

import dev.virtchain.daemon.Heartbeat;
import dev.virtchain.libvirt.DaemonThreads;
import dev.virtchain.model.Text;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's end of the control socket. One acceptor thread accepts each connection, checks
 * its peer ({@link PeerAccess}, before a byte of the request is read), and reads its request
 * line without blocking, for many connections at once: an idle client costs a buffer, not a
 * thread, and is closed when it has not sent its line within the request timeout. A complete
 * request goes to a thread according to its command:
 * <ul>
 * <li>{@link #RESERVED_COMMANDS} ({@code status}, {@code ping}) to a small pool of their own, so
 *     they answer even while every other worker runs a command that takes hours;</li>
 * <li>everything else to the bounded pool of workers (a thread per connection: a command may
 *     run for hours while it streams progress). When every worker is busy the request waits in a
 *     small queue, for at most the queue deadline; then, or at once when the queue is full too,
 *     it is told {@link ErrorCode#BUSY} rather than left hanging.</li>
 * </ul>
 *
 * <p>The acceptor wakes at least once a second and beats a {@link Heartbeat} pulse, so a
 * dead or wedged acceptor stops the systemd watchdog keep-alives.
 */
public final class ControlSocket implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ControlSocket.class);

    /** Longest request line accepted; the largest real request is a list of snapshot names. */
    public static final int MAX_REQUEST_BYTES = 64 * 1024;

    /** Commands answered from threads of their own: they only read, and quickly. */
    public static final Set<String> RESERVED_COMMANDS = Set.of("ping", "status");

    /** Threads for the reserved commands, and how many may wait for one. */
    static final int RESERVED_THREADS = 2;
    private static final int RESERVED_QUEUE = 16;

    /** Connections whose request line is still being read; more are closed at once. */
    static final int MAX_READING = 256;

    /** How long a request may wait in the queue for a worker; below the CLI's default time-out, so it hears why. */
    public static final Duration DEFAULT_QUEUE_DEADLINE = Duration.ofSeconds(20);

    private static final Duration ACCEPT_WAKEUP = Duration.ofSeconds(1);
    private static final Duration ACCEPTOR_MAX_SILENCE = Duration.ofSeconds(30);

    private final SocketFile file;
    private final Commands commands;
    private final PeerAccess access;
    private final Heartbeat heartbeat;
    private final Connection.Limits limits;
    private final ThreadPoolExecutor connections;
    private final ThreadPoolExecutor reserved;
    private final ThreadPoolExecutor refusals;
    private final ScheduledThreadPoolExecutor timers;
    private volatile boolean closing;
    private ServerSocketChannel server;
    private Selector selector;
    /** The acceptor's read buffer: it alone reads requests. */
    private final ByteBuffer scratch = ByteBuffer.allocate(8192);
    private Thread acceptor;

    /** With the {@link #DEFAULT_QUEUE_DEADLINE}. */
    public ControlSocket(Path path, String groupName, Commands commands, PeerAccess access, Heartbeat heartbeat,
                         int maxConnections, Duration requestTimeout) {
        this(path, groupName, commands, access, heartbeat, maxConnections, requestTimeout, DEFAULT_QUEUE_DEADLINE);
    }

    /**
     * @param maxConnections connections served at once; as many again may wait in the queue
     * @param queueDeadline  how long one may wait there before it is told BUSY
     */
    public ControlSocket(Path path, String groupName, Commands commands, PeerAccess access, Heartbeat heartbeat,
                         int maxConnections, Duration requestTimeout, Duration queueDeadline) {
        this.file = new SocketFile(Objects.requireNonNull(path, "path"), groupName);
        this.commands = Objects.requireNonNull(commands, "commands");
        this.access = Objects.requireNonNull(access, "access");
        this.heartbeat = Objects.requireNonNull(heartbeat, "heartbeat");
        this.limits = new Connection.Limits(MAX_REQUEST_BYTES, requestTimeout, Duration.ofSeconds(30), queueDeadline);
        this.connections = new ThreadPoolExecutor(maxConnections, maxConnections, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(maxConnections), DaemonThreads.numbered("control-"));
        this.connections.allowCoreThreadTimeOut(true);
        this.reserved = new ThreadPoolExecutor(RESERVED_THREADS, RESERVED_THREADS, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(RESERVED_QUEUE), DaemonThreads.numbered("control-status-"));
        this.reserved.allowCoreThreadTimeOut(true);
        // Refusals write one line and may drain what the client still sends; one thread does that for all.
        this.refusals = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(maxConnections + MAX_READING), DaemonThreads.numbered("control-busy-"));
        this.refusals.allowCoreThreadTimeOut(true);
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, DaemonThreads.numbered("control-timer-"));
        // A cancelled deadline leaves the queue at once: it holds its connection's request line.
        timer.setRemoveOnCancelPolicy(true);
        this.timers = timer;
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

    /** Deadlines and time-outs still armed; each holds a connection and its request line until it fires or is cancelled. */
    int armedTimers() {
        return timers.getQueue().size();
    }

    private void acceptLoop(Heartbeat.Pulse pulse) {
        try (pulse) {
            while (!closing) {
                selector.select(wakeUpMillis());
                pulse.beat();
                List<Reading> complete = new ArrayList<>();
                for (SelectionKey key : selector.selectedKeys()) {
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key.isAcceptable()) {
                        acceptAll();
                    } else if (key.isReadable() && key.attachment() instanceof Reading r && r.read()) {
                        key.cancel();
                        complete.add(r);
                    }
                }
                selector.selectedKeys().clear();
                closeSilent();
                if (!complete.isEmpty()) {
                    // Cancelled keys leave the selector at the next selection; only then may a channel block again.
                    selector.selectNow();
                    selector.selectedKeys().clear();
                    complete.forEach(this::hand);
                }
            }
        } catch (ClosedChannelException | ClosedSelectorException e) {
            // close() got here first
        } catch (IOException | RuntimeException e) {
            if (!closing) {
                log.error("control socket acceptor failed; the watchdog will notice", e);
            }
        }
    }

    /** Accepts every waiting connection: the peer is checked, then its request is read as it arrives. */
    private void acceptAll() throws IOException {
        SocketChannel client;
        while (!closing && (client = server.accept()) != null) {
            UnixDomainPrincipal peer;
            try {
                peer = client.getOption(ExtendedSocketOptions.SO_PEERCRED);
            } catch (IOException e) {
                closeQuietly(client);
                continue;
            }
            if (!access.allows(peer)) {
                Connection refused = new Connection(client, peer, null, commands, timers, limits);
                refuse(client, () -> refused.refuseForbidden(access.groupName()));
                continue;
            }
            if (selector.keys().size() > MAX_READING) {
                log.warn("closing a control connection at once: {} connections are still sending their request",
                        MAX_READING);
                closeQuietly(client);
                continue;
            }
            client.configureBlocking(false);
            client.register(selector, SelectionKey.OP_READ,
                    new Reading(client, peer, System.nanoTime() + limits.requestTimeout().toNanos()));
        }
    }

    /** Closes connections that did not send their request line within the request timeout. */
    private void closeSilent() {
        long now = System.nanoTime();
        for (SelectionKey key : selector.keys()) {
            if (key.attachment() instanceof Reading r && now - r.deadline > 0) {
                key.cancel();
                closeQuietly(r.channel);
                log.info("closed a control connection that sent no complete request within {} s",
                        limits.requestTimeout().toSeconds());
            }
        }
    }

    /** Until the next request deadline, at most {@link #ACCEPT_WAKEUP}. */
    private long wakeUpMillis() {
        long now = System.nanoTime();
        long wait = ACCEPT_WAKEUP.toNanos();
        for (SelectionKey key : selector.keys()) {
            if (key.attachment() instanceof Reading r) {
                wait = Math.min(wait, r.deadline - now);
            }
        }
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait) + 1);
    }

    /** Gives a connection whose request line is in to the thread its command gets. */
    private void hand(Reading r) {
        try {
            r.channel.configureBlocking(true);
        } catch (IOException e) {
            closeQuietly(r.channel);
            return;
        }
        Connection connection = new Connection(r.channel, r.peer, r.oversize ? null : r.line.toByteArray(), commands,
                timers, limits);
        if (r.oversize) {
            refuse(r.channel, connection::refuseOversize);
            return;
        }
        String command = connection.commandQuietly();
        if (command != null && RESERVED_COMMANDS.contains(command)) {
            try {
                reserved.execute(connection);
            } catch (RejectedExecutionException e) {
                log.warn("refusing a {} request: {} are already waiting for an answer", Text.escape(command),
                        RESERVED_QUEUE);
                refuse(r.channel, () -> connection.refuseBusy("the daemon is answering too many " + command
                        + " requests; try again shortly"));
            }
            return;
        }
        // Armed before the hand-over, so the worker that starts the connection can always disarm it.
        ScheduledFuture<?> deadline = timers.schedule(() -> {
            if (connection.expire()) {
                connections.remove(connection);
                log.warn("a control request waited {} s for a free connection thread; told it the daemon is busy",
                        limits.queueDeadline().toSeconds());
                refuse(r.channel, () -> connection.refuseBusy("the daemon's " + connections.getMaximumPoolSize()
                        + " connection threads stayed busy for " + limits.queueDeadline().toSeconds()
                        + " s; try again later (see 'virtchain job-list')"));
            }
        }, limits.queueDeadline().toMillis(), TimeUnit.MILLISECONDS);
        connection.expiresWith(deadline);
        try {
            connections.execute(connection);
        } catch (RejectedExecutionException e) {
            deadline.cancel(false);
            connection.expire();
            log.warn("refusing a control connection: all {} connection threads are busy and {} requests wait",
                    connections.getMaximumPoolSize(), connections.getQueue().size());
            refuse(r.channel, () -> connection.refuseBusy("the daemon is serving too many connections; try again"
                    + " shortly (see 'virtchain job-list')"));
        }
    }

    private void refuse(SocketChannel client, Runnable refusal) {
        try {
            refusals.execute(refusal);
        } catch (RejectedExecutionException full) {
            closeQuietly(client); // a flood: not even a refusal can be afforded
        }
    }

    /** A connection whose request line is still arriving: read by the acceptor, without blocking. */
    private final class Reading {
        final SocketChannel channel;
        final UnixDomainPrincipal peer;
        final long deadline;
        final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        boolean oversize;

        Reading(SocketChannel channel, UnixDomainPrincipal peer, long deadline) {
            this.channel = channel;
            this.peer = peer;
            this.deadline = deadline;
        }

        /** Reads what has arrived; true when the line is complete (or too long, or the client stopped sending). */
        boolean read() {
            scratch.clear();
            int n;
            try {
                n = channel.read(scratch);
            } catch (IOException e) {
                closeQuietly(channel);
                return false;
            }
            if (n < 0) {
                return true; // end of stream: what arrived is the request
            }
            byte[] chunk = scratch.array();
            for (int i = 0; i < n; i++) {
                if (chunk[i] == '\n') {
                    line.write(chunk, 0, i);
                    oversize = line.size() > limits.maxRequestBytes();
                    return true;
                }
            }
            line.write(chunk, 0, n);
            oversize = line.size() > limits.maxRequestBytes();
            return oversize;
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
                for (SelectionKey key : selector.keys()) {
                    if (key.attachment() instanceof Reading r) {
                        closeQuietly(r.channel);
                    }
                }
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
        reserved.shutdownNow();
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

}
