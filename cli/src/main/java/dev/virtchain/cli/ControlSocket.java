package dev.virtchain.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * The client end of virtchaind's control socket: one request per connection, newline-delimited
 * JSON. Sends {@code {"v":1,"id":…,"command":…,"args":{…}}}, passes each progress line to the
 * {@link ProgressView}, and returns the {@code data} of the final result line; an error line
 * becomes a {@link Failure} carrying the daemon's code and message.
 */
final class ControlSocket {
    static final int PROTOCOL_VERSION = 1;

    private final Path path;
    private final int timeoutSeconds;
    private final boolean explicitTimeout;

    ControlSocket(Path path) {
        this(path, Main.DEFAULT_TIMEOUT_SECONDS, false);
    }

    /**
     * @param timeoutSeconds the longest silence of the daemon (see {@link Silence}); 0 for none
     * @param explicitTimeout whether the user chose it, which keeps it during an operation's progress
     */
    ControlSocket(Path path, int timeoutSeconds, boolean explicitTimeout) {
        this.path = path;
        this.timeoutSeconds = timeoutSeconds;
        this.explicitTimeout = explicitTimeout;
    }

    /** Sends one request and waits for its final line; {@code progress} may be null. */
    Object call(String command, Map<String, Object> args, ProgressView progress) throws Failure {
        String id = Long.toHexString(new Random().nextLong() | Long.MIN_VALUE);
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("v", PROTOCOL_VERSION);
        request.put("id", id);
        request.put("command", command);
        request.put("args", args);
        byte[] line = (Json.compact(request) + "\n").getBytes(StandardCharsets.UTF_8);

        SocketChannel channel = open();
        Silence silence = new Silence(channel, timeoutSeconds, explicitTimeout);
        try {
            connect(channel, silence);
            IOException sendFailure = null;
            try {
                ByteBuffer buffer = ByteBuffer.wrap(line);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            } catch (IOException e) {
                if (silence.fired()) {
                    throw timedOut(command);
                }
                // The daemon may have refused us (FORBIDDEN) and hung up before reading: its
                // error line, if it sent one, says more than "broken pipe".
                sendFailure = e;
            }
            BufferedReader replies = new BufferedReader(
                    new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
            while (true) {
                String reply;
                try {
                    reply = replies.readLine();
                } catch (IOException e) {
                    reply = null;
                    if (silence.fired()) {
                        throw timedOut(command);
                    }
                    if (sendFailure == null) {
                        throw brokenOff(command, e.getMessage());
                    }
                }
                if (reply == null && silence.fired()) {
                    throw timedOut(command);
                }
                if (reply == null && sendFailure != null) {
                    throw Failure.failed("could not send the request to virtchaind at " + path + ": "
                            + sendFailure.getMessage());
                }
                if (reply == null) {
                    throw brokenOff(command, "connection closed");
                }
                if (reply.isBlank()) {
                    continue;
                }
                Map<String, Object> message;
                try {
                    message = Json.parseObject(reply);
                } catch (IllegalArgumentException e) {
                    throw Failure.failed("virtchaind sent a malformed reply (" + e.getMessage() + "): " + reply);
                }
                Object replyId = message.get("id");
                if (replyId != null && !id.equals(replyId)) {
                    throw Failure.failed("virtchaind answered request " + replyId + " instead of " + id);
                }
                String type = Json.string(message, "type");
                silence.heard("progress".equals(type));
                if ("progress".equals(type)) {
                    if (progress != null) {
                        progress.update(message);
                    }
                } else if ("result".equals(type)) {
                    Object data = message.get("data");
                    return data == null ? new LinkedHashMap<String, Object>() : data;
                } else if ("error".equals(type)) {
                    throw daemonError(message);
                } else {
                    throw Failure.failed("virtchaind sent a reply of unknown type " + type + ": " + reply);
                }
            }
        } finally {
            silence.close();
            close(channel);
        }
    }

    private static void close(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // The answer (or the failure being thrown) is complete; a failed close loses nothing.
        }
    }

    private SocketChannel open() throws Failure {
        try {
            return SocketChannel.open(StandardProtocolFamily.UNIX);
        } catch (IOException e) {
            throw unreachable(path, e.getMessage());
        }
    }

    /** Connects; a daemon whose listen queue is full blocks this until the time-out. */
    private void connect(SocketChannel channel, Silence silence) throws Failure {
        try {
            channel.connect(UnixDomainSocketAddress.of(path));
        } catch (IOException e) {
            if (silence.fired()) {
                throw timedOut("connect");
            }
            throw unreachable(path, e.getMessage());
        }
    }

    /** The daemon stayed silent past the time-out: status 3, as when it cannot be reached at all. */
    private Failure timedOut(String command) {
        return Failure.unreachable("virtchaind at " + path + " sent nothing for " + timeoutSeconds + " s (--timeout "
                + timeoutSeconds + "); it may be overloaded or stuck: see 'virtchain status' and 'systemctl status"
                + " virtchaind'. If " + command + " changes something, it may still run: see 'virtchain job-list'");
    }

    /** Says which of the usual reasons kept us from the socket, and what to do about it. */
    static Failure unreachable(Path path, String reason) {
        String lower = reason == null ? "" : reason.toLowerCase(java.util.Locale.ROOT);
        String start = "cannot reach virtchaind at " + path + ": ";
        if (lower.contains("permission denied") || lower.contains("operation not permitted")) {
            return Failure.unreachable(start + "permission denied: add yourself to group virtchain "
                    + "(usermod -aG virtchain $USER, then log in again) or run as root");
        }
        if (lower.contains("no such file") || !Files.exists(path)) {
            Path parent = path.getParent();
            String what = parent != null && !Files.isDirectory(parent)
                    ? "directory " + parent + " does not exist" : "socket does not exist";
            return Failure.unreachable(start + what + "; is virtchaind running? (systemctl status virtchaind)");
        }
        if (lower.contains("refused")) {
            return Failure.unreachable(start + "connection refused; is virtchaind running? "
                    + "(systemctl status virtchaind)");
        }
        return Failure.unreachable(start + reason + "; is virtchaind running? (systemctl status virtchaind)");
    }

    private static Failure brokenOff(String command, String why) {
        return Failure.failed("virtchaind closed the connection before answering (" + why + "); "
                + command + " may still be running or have finished: see 'virtchain job-list' and "
                + "'virtchain status'");
    }

    /**
     * Makes the message shown for an error line: the daemon's message and code, then the
     * domain, disk, snapshot and file it names that the message does not already mention.
     */
    static Failure daemonError(Map<String, Object> line) {
        Map<String, Object> error = new LinkedHashMap<>(line);
        error.remove("id");
        error.remove("type");
        String code = Json.string(error, "code");
        String message = Json.string(error, "message");
        StringBuilder text = new StringBuilder(message == null || message.isBlank() ? "virtchaind reported an error" : message);
        if (code != null) {
            text.append(" [").append(code).append(']');
        }
        for (String key : new String[] {"domain", "disk", "snapshot", "file"}) {
            String value = Json.string(error, key);
            if (value != null && (message == null || !message.contains(value))) {
                text.append("\n  ").append(key).append(": ").append(value);
            }
        }
        if ("BUSY".equals(code)) {
            text.append("\nanother operation holds the domain; see 'virtchain job-list'");
        } else if ("UNKNOWN_COMMAND".equals(code)) {
            text.append("\nvirtchaind does not know this command; is it older than this client?");
        }
        return Failure.daemonError(text.toString(), error);
    }
}
