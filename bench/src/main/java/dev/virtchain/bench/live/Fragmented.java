package dev.virtchain.bench.live;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.testing.TestDomain;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Benchmark 8: a snapshot held by an image of {@value #EXTENTS} extents (512-byte clusters, every
 * other one allocated), so {@code qemu-img map} prints about that many runs (~110 bytes each).
 * The daemon plans the snapshot's delete and answers {@code du} on it; the figures are the time of
 * each beside {@code qemu-img map} of the same image alone, and the daemon's peak resident memory
 * beside the size of the map output it reads: the map is folded as it streams, so the daemon's
 * memory does not grow with the extents (before, the whole output was read into a 128 MiB heap
 * and a fragmented disk crash-looped the daemon).
 */
public final class Fragmented {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final long MIB = 1L << 20;
    static final int CLUSTER = 512;
    static final long EXTENTS = 1L << 20;

    private Fragmented() {
    }

    public static ObjectNode run(LiveHost host) throws InterruptedException {
        ObjectNode out = JSON.objectNode();
        Path dir = host.newDirectory("fragmented");
        long virtualSize = EXTENTS * CLUSTER;
        try (TestDomain dom = TestDomain.builder().diskMiB(virtualSize / MIB).running(false).create()) {
            Path base = dom.basePath("vda");
            host.progress().say("  8: writing a " + virtualSize / MIB + " MiB image with " + EXTENTS + " extents");
            Path raw = dir.resolve("pattern.raw");
            writePattern(raw, virtualSize);
            Files.delete(base);
            Command.run("qemu-img", "convert", "-f", "raw", "-O", "qcow2", "-o", "cluster_size=" + CLUSTER,
                    "-S", String.valueOf(CLUSTER), raw.toString(), base.toString());
            Files.delete(raw);

            long t0 = System.nanoTime();
            long mapBytes = countBytes(List.of("qemu-img", "map", "--output=json", "-U", "-f", "qcow2", base.toString()));
            double mapSeconds = (System.nanoTime() - t0) / 1e9;
            out.put("extents", EXTENTS);
            out.put("mapOutputBytes", mapBytes);
            out.put("qemuImgMapSeconds", round(mapSeconds));

            try (Virtchaind d = Virtchaind.start(host.root(), dir.resolve("daemon"), Virsh.URI)) {
                d.awaitReady(120_000, 50);
                d.cli("adopt", dom.name());
                d.cli("snapshot-create", dom.name(), "frag");
                d.cli("snapshot-create", dom.name(), "after");
                out.put("daemonPeakRssBeforeBytes", d.peakRss());
                Virtchaind.CliResult plan = d.cli("snapshot-delete", dom.name(), "frag", "--dry-run");
                Virtchaind.CliResult du = d.cli("du", dom.name());
                out.put("planSeconds", round(plan.nanos() / 1e9));
                out.put("duSeconds", round(du.nanos() / 1e9));
                out.put("planBytesToCopy", plan.data().at("/plan/estimatedBytes").asLong(-1));
                out.put("daemonPeakRssBytes", d.peakRss());
                out.put("daemonAlive", ProcessHandle.of(d.pid()).map(ProcessHandle::isAlive).orElse(false));
                host.progress().say(String.format("  8: map %.1f s (%.0f MiB of JSON); daemon plans in %.1f s, du %.1f s,"
                                + " peak RSS %.0f MiB (%.0f MiB before)", mapSeconds, mapBytes / (double) MIB,
                        plan.nanos() / 1e9, du.nanos() / 1e9, d.peakRss() / (double) MIB,
                        out.get("daemonPeakRssBeforeBytes").asLong() / (double) MIB));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Every other 512-byte block holds data, the others zeroes: convert -S 512 leaves those unallocated. */
    private static void writePattern(Path raw, long size) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(1 << 20);
        for (int i = 0; i < chunk.capacity(); i += 2 * CLUSTER) {
            for (int j = 0; j < CLUSTER; j++) {
                chunk.put(i + j, (byte) 0x5a);
            }
        }
        try (FileChannel ch = FileChannel.open(raw, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (long at = 0; at < size; at += chunk.capacity()) {
                chunk.rewind();
                while (chunk.hasRemaining()) {
                    ch.write(chunk, at + chunk.position());
                }
            }
        }
    }

    private static long countBytes(List<String> argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        long n = 0;
        byte[] buf = new byte[1 << 16];
        try (InputStream in = p.getInputStream()) {
            for (int r; (r = in.read(buf)) > 0; ) {
                n += r;
            }
        }
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", argv) + " failed");
        }
        return n;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
