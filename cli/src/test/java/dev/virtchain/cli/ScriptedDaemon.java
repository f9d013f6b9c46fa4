package dev.virtchain.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A scripted peer for the client: a real Unix stream socket that reads each request line and
 * answers as its {@link Script} says, speaking the control protocol (progress lines, then one
 * result or error line). It records every request it got.
 *
 * <p>{@link #main} runs it standalone, answering {@code status} with a canned reply, for
 * measuring the client's start-up: {@code java -cp cli/target/test-classes:cli/target/classes
 * dev.virtchain.cli.ScriptedDaemon SOCKET}.
 */
final class ScriptedDaemon implements AutoCloseable {
    /** How to answer one request. */
    interface Script {
        void answer(Map<String, Object> request, Peer peer) throws Exception;
    }

    /** The connection to one client, as the script sees it. */
    static final class Peer {
        private final SocketChannel channel;
        private final String id;

        Peer(SocketChannel channel, String id) {
            this.channel = channel;
            this.id = id;
        }

        void sendRaw(String text) throws IOException {
            ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        }

        void send(Map<String, Object> line) throws IOException {
            Map<String, Object> withId = new LinkedHashMap<>();
            withId.put("id", id);
            withId.putAll(line);
            sendRaw(Json.compact(withId) + "\n");
        }

        void progress(String phase, long done, long total) throws IOException {
            send(Map.of("type", "progress", "phase", phase, "done", done, "total", total));
        }

        void result(Object data) throws IOException {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("type", "result");
            line.put("data", data);
            send(line);
        }

        /** {@code fields}: code, message, then key/value pairs such as "domain", "web1". */
        void error(String code, String message, String... fields) throws IOException {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("type", "error");
            line.put("code", code);
            line.put("message", message);
            for (int i = 0; i + 1 < fields.length; i += 2) {
                line.put(fields[i], fields[i + 1]);
            }
            send(line);
        }
    }

    private final ServerSocketChannel server;
    private final Path socket;
    private final Script script;
    private final Thread thread;
    private final List<Map<String, Object>> requests = Collections.synchronizedList(new ArrayList<>());
    private volatile Throwable failure;

    private ScriptedDaemon(Path socket, Script script) throws IOException {
        this.socket = socket;
        this.script = script;
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        this.thread = new Thread(this::serve, "scripted-daemon");
        thread.setDaemon(true);
        thread.start();
    }

    static ScriptedDaemon start(Path socket, Script script) throws IOException {
        return new ScriptedDaemon(socket, script);
    }

    /** Answers every request with the same result data. */
    static ScriptedDaemon answering(Path socket, Object data) throws IOException {
        return start(socket, (request, peer) -> peer.result(data));
    }

    Path socket() {
        return socket;
    }

    List<Map<String, Object>> requests() {
        synchronized (requests) {
            return new ArrayList<>(requests);
        }
    }

    Map<String, Object> lastRequest() {
        List<Map<String, Object>> all = requests();
        return all.isEmpty() ? null : all.get(all.size() - 1);
    }

    private void serve() {
        while (server.isOpen()) {
            try (SocketChannel client = server.accept()) {
                BufferedReader in = new BufferedReader(
                        new InputStreamReader(Channels.newInputStream(client), StandardCharsets.UTF_8));
                String line = in.readLine();
                if (line == null) {
                    continue;
                }
                Map<String, Object> request = Json.parseObject(line);
                requests.add(request);
                script.answer(request, new Peer(client, Json.string(request, "id")));
            } catch (IOException e) {
                if (server.isOpen()) {
                    failure = e;
                }
            } catch (Exception | AssertionError e) {
                failure = e;
            }
        }
    }

    /** Throws what went wrong inside the peer, if anything did. */
    void check() {
        if (failure != null) {
            throw new AssertionError("scripted daemon failed", failure);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Files.deleteIfExists(socket);
    }

    public static void main(String[] args) throws Exception {
        String status = Files.readString(Path.of(args.length > 1 ? args[1]
                : "cli/src/test/resources/replies/status.json"));
        Object data = Json.parse(status);
        Files.deleteIfExists(Path.of(args[0]));
        try (ScriptedDaemon daemon = answering(Path.of(args[0]), data)) {
            System.out.println("serving " + daemon.socket() + "; stop with Ctrl-C");
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
