package dev.virtchain.daemon;

import dev.virtchain.libvirt.image.QemuImg;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.URL;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The training run for the daemon's class-data-sharing archive: {@code bin/virtchaind} runs this
 * once per build with {@code -XX:ArchiveClassesAtExit}, so that later starts map the classes a
 * start loads instead of loading them. It starts a whole daemon on libvirt's in-process test
 * driver with one running domain whose disk is a real qcow2 overlay on a raw base, all inside
 * {@code directory} (which the caller removes), asks it what a client and a monitor ask, and
 * stops it. It prints nothing and touches no libvirtd.
 */
public final class Warmup {
    private static final String UUID = "6d3c0a6e-2b7a-4f0e-9c1d-5a8f3e2b7c41";

    private Warmup() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: Warmup DIRECTORY (an empty directory only root can write)");
            System.exit(2);
        }
        Path dir = Path.of(args[0]).toAbsolutePath();
        Path images = Files.createDirectory(dir.resolve("images"));
        Path base = images.resolve("warmup-vda.raw");
        try (RandomAccessFile f = new RandomAccessFile(base.toFile(), "rw")) {
            f.setLength(1 << 20);
        }
        Path overlay = images.resolve("warmup-vda.1.qcow2");
        QemuImg.withDefaults().createOverlay(overlay, base, "raw");
        Path node = dir.resolve("node.xml");
        Files.writeString(node, "<node><domain type='test'><name>warmup</name><uuid>" + UUID + "</uuid>"
                + "<memory>65536</memory><os><type>hvm</type></os><devices>"
                + "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='" + overlay + "'/>"
                + "<backingStore type='file'><format type='raw'/><source file='" + base + "'/><backingStore/></backingStore>"
                + "<target dev='vda' bus='virtio'/></disk></devices></domain></node>");
        Path config = dir.resolve("virtchaind.conf");
        // The metrics endpoint is on by default: its classes are part of a start too.
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        Files.writeString(config, "[daemon]\nmetrics-listen = 127.0.0.1:" + port + "\nimage-roots = " + images + "\n");
        Path socket = dir.resolve("virtchain.sock");
        PrintStream sink = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        String[] daemonArgs = {"--socket", socket.toString(), "--state-dir", dir.resolve("state").toString(),
            "--connect", "test://" + node, "--config", config.toString()};
        Thread daemon = new Thread(() -> Virtchaind.launch(daemonArgs, sink, sink, Map.of()), "warmup-daemon");
        daemon.setDaemon(true);
        daemon.start();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!ask(socket, "status", "{}").contains("\"phase\":\"ready\"")) {
            if (System.nanoTime() > deadline || !daemon.isAlive()) {
                System.exit(1); // no archive from a run that did not reach ready
            }
            Thread.sleep(20);
        }
        ask(socket, "domains", "{}");
        ask(socket, "snapshot-list", "{\"domain\":\"warmup\"}");
        ask(socket, "job-list", "{}");
        scrape(port);
        System.exit(0); // the shutdown hook stops the daemon; the archive is written after it
    }

    /** Reads /metrics once, as Prometheus would; a failure only leaves those classes out of the archive. */
    private static void scrape(int port) {
        try {
            var c = (HttpURLConnection) new URL("http://127.0.0.1:" + port + "/metrics").openConnection();
            try (var in = c.getInputStream()) {
                in.transferTo(OutputStream.nullOutputStream());
            }
        } catch (IOException e) {
            // the archive is still made, without the scrape's classes
        }
    }

    /** Sends one request and returns every line of the answer; "" when the socket does not answer yet. */
    private static String ask(Path socket, String command, String args) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            String request = "{\"v\":1,\"id\":\"warmup\",\"command\":\"" + command + "\",\"args\":" + args + "}\n";
            ch.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8)));
            ch.shutdownOutput();
            StringBuilder answer = new StringBuilder();
            BufferedReader r = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                answer.append(line).append('\n');
            }
            return answer.toString();
        } catch (IOException e) {
            return "";
        }
    }
}
