package dev.virtchain.daemon.control;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtchain.daemon.LogScope;
import dev.virtchain.model.Text;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One control connection: check the peer, read one request line, run the command, write the
 * response, close. Nothing a client sends can end the daemon: every failure becomes an error
 * line or a log line.
 */
final class Connection implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(Connection.class);

    /** After an oversize request, how much more is read and discarded so the client gets to read the error. */
    private static final int DRAIN_LIMIT = 1 << 20;

    /** How much of a request's arguments, and of a failure's message (which may quote them), a log line shows. */
    private static final int LOGGED_ARGS_LENGTH = 1000;
    private static final int LOGGED_MESSAGE_LENGTH = 1000;

    record Limits(int maxRequestBytes, Duration requestTimeout, Duration finalWriteTimeout) {
    }

    private final SocketChannel channel;
    private final Commands commands;
    private final PeerAccess access;
    private final ScheduledExecutorService timers;
    private final Limits limits;

    Connection(SocketChannel channel, Commands commands, PeerAccess access, ScheduledExecutorService timers,
               Limits limits) {
        this.channel = channel;
        this.commands = commands;
        this.access = access;
        this.timers = timers;
        this.limits = limits;
    }

    @Override
    public void run() {
        try (channel) {
            serve();
        } catch (AsynchronousCloseException e) {
            log.info("closed a control connection that sent no complete request within {} s",
                    limits.requestTimeout().toSeconds());
        } catch (IOException e) {
            log.info("control connection failed: {}", e.getMessage());
        } catch (RuntimeException e) {
            log.error("control connection failed", e);
        }
    }

    @SuppressWarnings("try") // the LogScope is used for its side effect on every log line inside
    private void serve() throws IOException {
        UnixDomainPrincipal peer = channel.getOption(ExtendedSocketOptions.SO_PEERCRED);
        // The peer is checked before a byte of its request is read or parsed.
        if (!access.allows(peer)) {
            log.warn("refused control connection from {}: only root and members of group '{}' may use the socket",
                    PeerAccess.describe(peer), access.groupName());
            new ResponseWriter(channel, limits.finalWriteTimeout()).error(new CommandFailure(ErrorCode.FORBIDDEN,
                    "permission denied: " + PeerAccess.describe(peer) + " is neither root nor a member of group '"
                            + access.groupName() + "'"));
            // Discarded unread, so the client reads the refusal instead of a connection reset.
            drain();
            return;
        }
        // A client that connects and sends nothing must not hold a thread for ever.
        ScheduledFuture<?> timeout = timers.schedule(this::closeQuietly, limits.requestTimeout().toMillis(),
                TimeUnit.MILLISECONDS);
        byte[] line;
        try {
            line = readLine();
            if (line == null) {
                new ResponseWriter(channel, limits.finalWriteTimeout()).error(CommandFailure.invalidArgument(
                        "request is larger than " + limits.maxRequestBytes() + " bytes"));
                drain();
                return;
            }
        } finally {
            timeout.cancel(false);
        }
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

    /** Reads up to the first newline (or end of stream); null when the line is too long. */
    private byte[] readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(8192);
        while (true) {
            buffer.clear();
            int n = channel.read(buffer);
            if (n < 0) {
                return line.toByteArray();
            }
            byte[] chunk = buffer.array();
            for (int i = 0; i < n; i++) {
                if (chunk[i] == '\n') {
                    line.write(chunk, 0, i);
                    return line.size() > limits.maxRequestBytes() ? null : line.toByteArray();
                }
            }
            line.write(chunk, 0, n);
            if (line.size() > limits.maxRequestBytes()) {
                return null;
            }
        }
    }

    /**
     * Reads and discards what the client is still sending (up to a limit), so that a client
     * blocked writing an oversize request finishes writing and reads the error instead of
     * seeing the connection reset.
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

    /**
     * Answers BUSY when no worker is free. The request is read first: closing a Unix socket
     * with unread data makes the kernel reset the peer, and the client would see "connection
     * reset" instead of the reason.
     */
    void refuseBusy() {
        try (channel) {
            ScheduledFuture<?> timeout = timers.schedule(this::closeQuietly, limits.requestTimeout().toMillis(),
                    TimeUnit.MILLISECONDS);
            byte[] line;
            try {
                line = readLine();
            } finally {
                timeout.cancel(false);
            }
            ResponseWriter out = new ResponseWriter(channel, limits.finalWriteTimeout());
            out.id(line == null ? null : idQuietly(line));
            out.error(new CommandFailure(ErrorCode.BUSY, "the daemon is serving too many connections; try again shortly"));
            if (line == null) {
                drain();
            }
        } catch (IOException e) {
            log.debug("could not tell a client the daemon is busy: {}", e.getMessage());
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
