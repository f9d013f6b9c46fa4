package dev.virtchain.daemon.control;

import dev.virtchain.daemon.ProgressSink;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one request's response lines. The channel is non-blocking here so that a client that
 * stops reading (a suspended CLI) can never stall the operation reporting progress: a progress
 * line that does not fit waits as "pending", later ones are dropped until it has gone out.
 * The final line is written with a deadline, after which the client is given up on.
 */
final class ResponseWriter implements ProgressSink {

    private static final Logger log = LoggerFactory.getLogger(ResponseWriter.class);

    private final SocketChannel channel;
    private final Duration finalWriteTimeout;
    private volatile String id;
    private ByteBuffer pending;
    private boolean finished;
    private boolean broken;
    private long dropped;

    ResponseWriter(SocketChannel channel, Duration finalWriteTimeout) throws IOException {
        this.channel = channel;
        this.finalWriteTimeout = finalWriteTimeout;
        channel.configureBlocking(false);
    }

    void id(String requestId) {
        this.id = requestId;
    }

    @Override
    public synchronized void progress(String phase, long done, long total, String message) {
        if (finished || broken) {
            return;
        }
        ObjectNode line = header("progress");
        line.put("phase", phase);
        line.put("done", done);
        line.put("total", total);
        line.put("message", message);
        try {
            if (pending != null) {
                channel.write(pending);
                if (pending.hasRemaining()) {
                    dropped++;
                    return;
                }
                pending = null;
            }
            ByteBuffer buffer = ByteBuffer.wrap(Json.line(line));
            channel.write(buffer);
            if (buffer.hasRemaining()) {
                pending = buffer;
            }
        } catch (IOException e) {
            broken = true;
            log.info("client went away during the operation ({}); the operation continues", e.getMessage());
        }
    }

    synchronized void result(JsonNode data) {
        ObjectNode line = header("result");
        line.set("data", data == null ? Json.object() : data);
        finish(line);
    }

    synchronized void error(CommandFailure failure) {
        ObjectNode line = header("error");
        line.put("code", failure.code().name());
        line.put("message", failure.getMessage());
        putIfSet(line, "domain", failure.domain());
        putIfSet(line, "disk", failure.disk());
        putIfSet(line, "snapshot", failure.snapshot());
        putIfSet(line, "file", failure.file());
        finish(line);
    }

    private void finish(ObjectNode line) {
        if (finished) {
            throw new IllegalStateException("a final response was already written for request " + id);
        }
        finished = true;
        if (broken) {
            return;
        }
        if (dropped > 0) {
            log.debug("dropped {} progress lines the client did not read in time", dropped);
        }
        try {
            if (pending != null) {
                writeFully(pending);
            }
            writeFully(ByteBuffer.wrap(Json.line(line)));
        } catch (IOException e) {
            log.info("could not send the {} to the client: {}", line.get("type").asText(), e.getMessage());
        }
    }

    private void writeFully(ByteBuffer buffer) throws IOException {
        channel.write(buffer);
        if (!buffer.hasRemaining()) {
            return;
        }
        long deadline = System.nanoTime() + finalWriteTimeout.toNanos();
        try (Selector selector = Selector.open()) {
            channel.register(selector, SelectionKey.OP_WRITE);
            while (buffer.hasRemaining()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new SocketTimeoutException("client did not read for " + finalWriteTimeout.toSeconds() + " s");
                }
                selector.select(Math.max(1, left / 1_000_000));
                selector.selectedKeys().clear();
                channel.write(buffer);
            }
        }
    }

    private ObjectNode header(String type) {
        ObjectNode line = Json.object();
        line.put("id", id);
        line.put("type", type);
        return line;
    }

    private static void putIfSet(ObjectNode line, String key, String value) {
        if (value != null) {
            line.put(key, value);
        }
    }
}
