package dev.virtchain.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.bench.live.BusySocket;
import dev.virtchain.bench.live.Footprint;
import dev.virtchain.bench.live.Fragmented;
import dev.virtchain.bench.live.LibvirtOwnTools;
import dev.virtchain.bench.live.GuestStall;
import dev.virtchain.bench.live.LiveHost;
import dev.virtchain.bench.live.MergeTime;
import dev.virtchain.bench.live.NewestDelete;
import dev.virtchain.bench.live.Scale;
import dev.virtchain.bench.live.SimulatorVsQemu;
import dev.virtchain.bench.live.SnapshotCreate;
import dev.virtchain.bench.prune.PruneBench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the benchmarks named on the command line and writes each one's figures to
 * {@code OUT/part-N.json}; {@code bench/run} turns those into RESULTS.md and results.json.
 *
 * <pre>java … dev.virtchain.bench.Bench SOURCE-TREE WORK-DIR OUT-DIR PART…</pre>
 * WORK-DIR holds the run's domains, daemons and generated files; bench/run removes it.
 */
public final class Bench {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: Bench SOURCE-TREE WORK-DIR OUT-DIR PART... (parts 1-11)");
            System.exit(2);
        }
        Path root = Path.of(args[0]).toAbsolutePath();
        Path work = Path.of(args[1]).toAbsolutePath();
        Path out = Path.of(args[2]).toAbsolutePath();
        Files.createDirectories(out);
        List<Integer> parts = new ArrayList<>();
        for (int i = 3; i < args.length; i++) {
            parts.add(Integer.parseInt(args[i]));
        }
        Progress progress = new Progress(System.err);
        int threads = Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors()));
        write(out.resolve("machine.json"), Machine.describe());
        try (LiveHost live = new LiveHost(root, work, progress)) {
            for (int part : parts) {
                String loadBefore = Machine.loadAverage();
                Instant startedAt = Instant.now();
                long t0 = System.nanoTime();
                progress.say("==> benchmark " + part);
                ObjectNode result = switch (part) {
                    case 1 -> PruneBench.run(threads, System.getProperty("bench.prune.only", ""), progress);
                    case 2 -> SimulatorVsQemu.run(progress);
                    case 3 -> NewestDelete.run(live);
                    case 4 -> SnapshotCreate.run(live);
                    case 5 -> MergeTime.run(live);
                    case 6 -> Footprint.run(live);
                    case 7 -> Scale.run(live);
                    case 8 -> Fragmented.run(live);
                    case 9 -> LibvirtOwnTools.run(live);
                    case 10 -> BusySocket.run(live);
                    case 11 -> GuestStall.run(live);
                    default -> throw new IllegalArgumentException("no benchmark " + part + "; there are 1 to 11");
                };
                result.put("wallSeconds", Math.round((System.nanoTime() - t0) / 1e8) / 10.0);
                result.put("startedAt", startedAt.truncatedTo(ChronoUnit.SECONDS).toString());
                result.put("loadAverageBefore", loadBefore);
                result.put("loadAverageAfter", Machine.loadAverage());
                // Benchmark 9 runs once per hypervisor: one file per libvirt version.
                write(out.resolve("part-" + part + (part == 9 ? "-" + result.path("libvirt").asText() : "") + ".json"),
                        result);
            }
        }
    }

    static void write(Path file, ObjectNode node) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        JSON.writeValue(tmp.toFile(), node);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }
}
