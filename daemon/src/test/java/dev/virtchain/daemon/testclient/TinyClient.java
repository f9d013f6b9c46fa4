package dev.virtchain.daemon.testclient;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A control-protocol client with nothing but the JDK, as the CLI will be: sends one request
 * line, prints every response line. Self-contained (one class, no dependencies) so tests can
 * copy it somewhere another user can read and run it as that user.
 *
 * <p>Usage: {@code TinyClient SOCKET REQUEST-JSON}; exit 0 when a final line arrived, 3 when
 * the connection failed.
 */
public final class TinyClient {

    private TinyClient() {
    }

    public static void main(String[] args) {
        try {
            for (String line : exchange(Path.of(args[0]), args[1])) {
                System.out.println(line);
            }
        } catch (IOException e) {
            System.out.println("connection failed: " + e);
            System.exit(3);
        }
    }

    /**
     * Sends {@code request} and a newline, then reads lines up to and including the final one
     * ({@code "type":"result"} or {@code "type":"error"}), as the protocol tells clients to.
     */
    public static List<String> exchange(Path socket, String request) throws IOException {
        try (SocketChannel channel = open(socket)) {
            send(channel, request + "\n");
            List<String> lines = new ArrayList<>();
            BufferedReader in = reader(channel);
            String line;
            while ((line = in.readLine()) != null) {
                lines.add(line);
                if (line.contains("\"type\":\"result\"") || line.contains("\"type\":\"error\"")) {
                    break; // the daemon's lines are compact JSON, so this text test is exact enough
                }
            }
            return lines;
        }
    }

    public static SocketChannel open(Path socket) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
        return channel;
    }

    public static void send(SocketChannel channel, String text) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    public static BufferedReader reader(SocketChannel channel) {
        return new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
    }
}
