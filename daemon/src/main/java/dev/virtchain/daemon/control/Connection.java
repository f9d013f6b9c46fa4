package dev.virtchain.daemon.control;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtchain.daemon.LogScope;
import dev.virtchain.model.Text;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import jdk.net.UnixDomainPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One control connection whose request line has been read (by {@link ControlSocket}'s acceptor,
 * after the peer was checked): parse it, run the command, write the response, close. Nothing a
 * client sends can end the daemon: every failure becomes an error line or a log line.
 *
 * <p>A connection waiting in the queue for a worker can expire: the socket then answers it
 * {@link ErrorCode#BUSY} instead, and a worker that picks it up later leaves it alone.
 */
final class Connection implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(Connection.class);

    /** After an oversize request, how much more is read and discarded so the client gets to read the error. */
    private static final int DRAIN_LIMIT = 1 << 20;

    /** How much of a request's arguments, and of a failure's message (which may quote them), a log line shows. */
    private static final int LOGGED_ARGS_LENGTH = 1000;
    private static final int LOGGED_MESSAGE_LENGTH = 1000;

    /**
     * @param requestTimeout   how long a client may take to send its request line
     * @param finalWriteTimeout how long a client may take to read the final line
     * @param queueDeadline    how long a connection may wait for a worker before it is told BUSY
     */
    record Limits(int maxRequestBytes, Duration requestTimeout, Duration finalWriteTimeout, Duration queueDeadline) {
    }

    private enum State { WAITING, RUNNING, EXPIRED }

    private final SocketChannel channel;
    private final UnixDomainPrincipal peer;
    private final byte[] line;
    private final Commands commands;
    private final ScheduledExecutorService timers;
    private final Limits limits;
    private final AtomicReference<State> state = new AtomicReference<>(State.WAITING);
    private volatile Future<?> queueDeadline;

    /** @param line the request line without its newline; null when the client sent nothing usable */
    Connection(SocketChannel channel, UnixDomainPrincipal peer, byte[] line, Commands commands,
               ScheduledExecutorService timers, Limits limits) {
        this.channel = channel;
        this.peer = peer;
        this.line = line;
        this.commands = commands;
        this.timers = timers;
        this.limits = limits;
    }

    @Override
    public void run() {
        if (!state.compareAndSet(State.WAITING, State.RUNNING)) {
            return; // expired in the queue and already told BUSY
        }
        Future<?> deadline = queueDeadline;
        if (deadline != null) {
            deadline.cancel(false);
        }
        try (channel) {
            serve();
        } catch (IOException e) {
            log.info("control connection failed: {}", e.getMessage());
        } catch (RuntimeException e) {
            log.error("control connection failed", e);
        }
    }

    /** The timer that expires this connection if it waits too long for a worker; cancelled when one takes it. */
    void expiresWith(Future<?> deadline) {
        this.queueDeadline = deadline;
    }

    /** Marks a connection still waiting for a worker as expired; false when a worker already has it. */
    boolean expire() {
        return state.compareAndSet(State.WAITING, State.EXPIRED);
    }

    /** The request's command, or null when the line is not a request; only for routing. */
    String commandQuietly() {
        try {
            JsonNode command = Request.tree(line).get("command");
            return command != null && command.isTextual() ? command.textValue() : null;
        } catch (CommandFailure | RuntimeException e) {
            return null;
        }
    }

    @SuppressWarnings("try") // the LogScope is used for its side effect on every log line inside
    private void serve() throws IOException {
        ResponseWriter out = new ResponseWriter(channel, limits.finalWriteTimeout());
        JsonNode tree;
        Request request;
        try {
            tree = Request.tree(line);
            out.id(Request.idOf(tree));
            request = Request.from(tree);
        } catch (CommandFailure f) {
            log.info("rejected a malformed request from {}: {}", PeerAccess.describe(peer), Text.escape(f.getMessage()));
            out.error(f);
            return;
        }
        // Every field below came from the client: escaped (one line, no bidi, bounded) before it is logged.
        String command = Text.escape(request.command(), Request.MAX_ID_LENGTH);
        try (LogScope scope = LogScope.op(command)) {
            log.debug("request {} from {}: {}", Text.escape(request.id()), PeerAccess.describe(peer),
                    Text.escape(request.args().toString(), LOGGED_ARGS_LENGTH));
            JsonNode data;
            try {
                data = commands.dispatch(request, out);
            } catch (CommandFailure f) {
                log.info("{} failed: {} {}", command, f.code(), Text.escape(f.getMessage(), LOGGED_MESSAGE_LENGTH));
                out.error(f);
                return;
            } catch (RuntimeException e) {
                log.error("{} failed unexpectedly", command, e);
                out.error(new CommandFailure(ErrorCode.FAILED, "internal error in " + command + ": " + e
                        + "; see the daemon's log"));
                return;
            }
            out.result(data);
        }
    }

    /** Tells a peer that is neither root nor in the group so, without reading its request. */
    void refuseForbidden(String groupName) {
        try (channel) {
            log.warn("refused control connection from {}: only root and members of group '{}' may use the socket",
                    PeerAccess.describe(peer), groupName);
            new ResponseWriter(channel, limits.finalWriteTimeout()).error(new CommandFailure(ErrorCode.FORBIDDEN,
                    "permission denied: " + PeerAccess.describe(peer) + " is neither root nor a member of group '"
                            + groupName + "'"));
            // Discarded unread, so the client reads the refusal instead of a connection reset.
            drain();
        } catch (IOException e) {
            log.debug("could not tell a client it is refused: {}", e.getMessage());
        }
    }

    /** Answers a request longer than the limit. */
    void refuseOversize() {
        try (channel) {
            new ResponseWriter(channel, limits.finalWriteTimeout()).error(CommandFailure.invalidArgument(
                    "request is larger than " + limits.maxRequestBytes() + " bytes"));
            drain();
        } catch (IOException e) {
            log.debug("could not tell a client its request is too large: {}", e.getMessage());
        }
    }

    /** Answers BUSY: no worker was free, or none became free within the queue deadline. */
    void refuseBusy(String why) {
        try (channel) {
            ResponseWriter out = new ResponseWriter(channel, limits.finalWriteTimeout());
            out.id(line == null ? null : idQuietly(line));
            out.error(new CommandFailure(ErrorCode.BUSY, why));
        } catch (IOException e) {
            log.debug("could not tell a client the daemon is busy: {}", e.getMessage());
        }
    }

    /**
     * Reads and discards what the client is still sending (up to a limit), so that a client
     * blocked writing its request finishes writing and reads the error instead of seeing the
     * connection reset.
     */
    private void drain() {
        ScheduledFuture<?> timeout = timers.schedule(this::closeQuietly, limits.requestTimeout().toMillis(),
                TimeUnit.MILLISECONDS);
        try {
            channel.shutdownOutput();
            channel.configureBlocking(true);
            ByteBuffer buffer = ByteBuffer.allocate(8192);
            long total = 0;
            int n;
            while (total < DRAIN_LIMIT && (n = channel.read(buffer)) >= 0) {
                total += n;
                buffer.clear();
            }
        } catch (IOException e) {
            // the client gave up first; nothing to do
        } finally {
            timeout.cancel(false);
        }
    }

    private static String idQuietly(byte[] line) {
        try {
            return Request.idOf(Request.tree(line));
        } catch (CommandFailure e) {
            return null;
        }
    }

    private void closeQuietly() {
        try {
            channel.close();
        } catch (IOException e) {
            // closing to stop a read; nothing more to do
        }
    }
}
