package dev.virtchain.daemon.control;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtchain.daemon.Heartbeat;
import dev.virtchain.daemon.Lifecycle;
import dev.virtchain.daemon.testclient.TinyClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A control socket served in the test's JVM, with its lifecycle and command registry at hand. */
final class ServedSocket implements AutoCloseable {

    /** A group name no test host has, so the socket stays root-only. */
    static final String ABSENT_GROUP = "vctest-no-such-group";

    final Lifecycle lifecycle = new Lifecycle(Clock.systemUTC());
    final Heartbeat heartbeat = new Heartbeat(Clock.systemUTC());
    final Commands commands = new Commands(lifecycle);
    final ControlSocket socket;
    final Path path;

    ServedSocket(Path path, String group, int maxConnections, Duration requestTimeout) throws IOException {
        this(path, group, maxConnections, requestTimeout, ControlSocket.DEFAULT_QUEUE_DEADLINE);
    }

    ServedSocket(Path path, String group, int maxConnections, Duration requestTimeout, Duration queueDeadline)
            throws IOException {
        this.path = path;
        UserPrincipalLookupService users = FileSystems.getDefault().getUserPrincipalLookupService();
        PeerAccess access = new PeerAccess(group, GroupDatabase.system(), users.lookupPrincipalByName("root"),
                users.lookupPrincipalByName(System.getProperty("user.name")));
        socket = new ControlSocket(path, group, commands, access, heartbeat, maxConnections, requestTimeout,
                queueDeadline);
        lifecycle.enter(Lifecycle.Phase.READY);
    }

    static ServedSocket started(Path path, String group) throws IOException {
        ServedSocket s = new ServedSocket(path, group, 4, Duration.ofSeconds(2));
        s.socket.start();
        return s;
    }

    /** Every response line to {@code request}, parsed. */
    List<JsonNode> exchange(String request) {
        try {
            List<JsonNode> out = new ArrayList<>();
            for (String line : TinyClient.exchange(path, request)) {
                out.add(Json.read(line.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The one final line a request without progress gets. */
    JsonNode only(String request) {
        List<JsonNode> lines = exchange(request);
        if (lines.size() != 1) {
            throw new AssertionError("expected one response line, got " + lines);
        }
        return lines.get(0);
    }

    @Override
    public void close() {
        socket.close(Duration.ofSeconds(2));
    }
}
