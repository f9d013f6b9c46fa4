package dev.virtchain.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/**
 * The training run for the class-data-sharing archive: {@code bin/virtchain} runs this once
 * with {@code -XX:ArchiveClassesAtExit}, so that later runs map the classes a real command
 * loads instead of loading them. It answers a few typical commands from a throwaway socket
 * with canned replies and prints nothing.
 */
public final class Warmup {
    private static final String STATUS = "{\"health\":\"ok\",\"problems\":[],"
            + "\"daemon\":{\"version\":\"0\",\"pid\":1,\"started\":\"2025-01-01T00:00:00Z\"},"
            + "\"libvirt\":{\"uri\":\"qemu:///system\",\"connected\":true,\"version\":\"9.0.0\"},"
            + "\"recovery\":{\"finished\":\"2025-01-01T00:00:01Z\",\"operations\":[]},\"drift\":[],"
            + "\"policies\":[{\"domain\":\"d\",\"schedule\":\"0 0 2 * * ?\",\"lastRun\":\"2025-01-01T02:00:00Z\","
            + "\"lastOutcome\":\"ok\",\"lastMessage\":null,\"nextRun\":\"2025-01-02T02:00:00.5+01:00\"}],"
            + "\"jobs\":[{\"domain\":\"d\",\"disk\":\"vda\",\"kind\":\"commit\",\"operation\":\"snapshot-delete\","
            + "\"state\":\"running\",\"done\":1048576,\"total\":2097152,\"started\":\"2025-01-01T00:00:00Z\"}]}";
    private static final String SNAPSHOTS = "{\"domain\":\"d\",\"current\":\"b\",\"snapshots\":["
            + "{\"name\":\"a\",\"created\":\"2025-01-01T00:00:00Z\",\"parent\":null,\"consistency\":\"crash\","
            + "\"origin\":\"manual\",\"disks\":[{\"target\":\"vda\",\"file\":\"/i/d.qcow2\"}]},"
            + "{\"name\":\"b\",\"created\":\"2025-01-02T00:00:00Z\",\"parent\":\"a\",\"consistency\":\"quiesced\","
            + "\"origin\":\"policy\",\"description\":\"\\u00e9\\n\",\"disks\":[{\"target\":\"vda\",\"file\":\"/i/d.1\"}]}]}";

    private Warmup() {
    }

    public static void main(String[] args) throws Exception {
        Path directory = Files.createTempDirectory("virtchain-warmup");
        Path socket = directory.resolve("s");
        PrintStream sink = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Thread peer = new Thread(new Runnable() {
                @Override
                public void run() {
                    serve(server);
                }
            }, "warmup-peer");
            peer.setDaemon(true);
            peer.start();
            String s = socket.toString();
            String[][] runs = {
                {"--socket", s, "status"},
                {"--socket", s, "snapshot-list", "d"},
                {"--socket", s, "snapshot-list", "d", "--tree"},
                {"--socket", s, "--json", "snapshot-info", "d", "a"},
                {"--socket", s, "snapshot-delete", "d", "a", "--bandwidth", "10"},
                {"--socket", s, "snapshot-info", "d", "missing"},
            };
            for (boolean terminal : new boolean[] {false, true}) {
                for (String[] run : runs) {
                    new Main(sink, sink, null, terminal, Clock.systemUTC(), null, directory).run(run);
                }
            }
        } finally {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(directory);
        }
        // Usage errors and help take other paths; record them too.
        new Main(sink, sink, null, false, Clock.systemUTC(), null, directory).run(new String[] {"snapshot-delete", "d", "../x"});
        new Main(sink, sink, null, false, Clock.systemUTC(), null, directory).run(new String[] {"help", "status"});
        new Main(sink, sink, null, false, Clock.systemUTC(), null, directory)
                .run(new String[] {"--socket", directory.resolve("gone").toString(), "status"});
    }

    private static void serve(ServerSocketChannel server) {
        while (true) {
            try (SocketChannel client = server.accept()) {
                BufferedReader in = new BufferedReader(
                        new InputStreamReader(Channels.newInputStream(client), StandardCharsets.UTF_8));
                Map<String, Object> request = Json.parseObject(in.readLine());
                String id = Json.string(request, "id");
                String command = Json.string(request, "command");
                Map<String, Object> args = Json.object(request, "args");
                StringBuilder reply = new StringBuilder();
                if ("snapshot-delete".equals(command)) {
                    for (int done = 0; done <= 4; done++) {
                        reply.append("{\"id\":\"").append(id).append("\",\"type\":\"progress\",\"phase\":\"commit vda\",")
                                .append("\"done\":").append(done << 20).append(",\"total\":4194304}\n");
                    }
                }
                if ("missing".equals(Json.string(args, "name"))) {
                    reply.append("{\"id\":\"").append(id).append("\",\"type\":\"error\",\"code\":\"UNKNOWN_SNAPSHOT\",")
                            .append("\"message\":\"no snapshot missing\",\"domain\":\"d\",\"snapshot\":\"missing\"}\n");
                } else {
                    String data = "status".equals(command) ? STATUS
                            : "snapshot-info".equals(command) ? "{\"name\":\"a\",\"disks\":[]}"
                            : "snapshot-delete".equals(command) ? "{\"state\":\"done\",\"deleted\":[\"a\"],\"bytesCopied\":1,\"removed\":[]}"
                            : SNAPSHOTS;
                    reply.append("{\"id\":\"").append(id).append("\",\"type\":\"result\",\"data\":").append(data).append("}\n");
                }
                ByteBuffer bytes = ByteBuffer.wrap(reply.toString().getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) {
                    client.write(bytes);
                }
            } catch (RuntimeException e) {
                // A reply the client did not like is still practice; keep serving.
            } catch (IOException e) {
                return; // closed: the training is over
            }
        }
    }
}
