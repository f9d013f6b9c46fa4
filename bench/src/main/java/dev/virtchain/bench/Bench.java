package dev.virtchain.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.bench.live.SimulatorVsQemu;
import dev.virtchain.bench.prune.PruneBench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the benchmarks named on the command line and writes each one's figures to
 * {@code OUT/part-N.json}; {@code bench/run} turns those into RESULTS.md and results.json.
 *
 * <pre>java … dev.virtchain.bench.Bench OUT PART…</pre>
 */
public final class Bench {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: Bench OUT-DIR PART... (parts 1-7)");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        Files.createDirectories(out);
        List<Integer> parts = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            parts.add(Integer.parseInt(args[i]));
        }
        Progress progress = new Progress(System.err);
        int threads = Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors()));
        for (int part : parts) {
            long t0 = System.nanoTime();
            progress.say("==> benchmark " + part);
            ObjectNode result = switch (part) {
                case 1 -> PruneBench.run(threads, System.getProperty("bench.prune.only", ""), progress);
                case 2 -> SimulatorVsQemu.run(progress);
                default -> throw new IllegalArgumentException("no benchmark " + part + "; there are 1 to 7");
            };
            result.put("wallSeconds", Math.round((System.nanoTime() - t0) / 1e8) / 10.0);
            write(out.resolve("part-" + part + ".json"), result);
        }
    }

    static void write(Path file, ObjectNode node) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        JSON.writeValue(tmp.toFile(), node);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
