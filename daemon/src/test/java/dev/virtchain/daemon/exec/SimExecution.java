package dev.virtchain.daemon.exec;

import dev.virtchain.daemon.ProgressSink;
import dev.virtchain.daemon.ledger.LedgerBook;
import dev.virtchain.daemon.ledger.LedgerStore;
import dev.virtchain.daemon.ledger.StoredLedger;
import dev.virtchain.model.Disk;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.plan.HostCapabilities;
import dev.virtchain.model.plan.Intent;
import dev.virtchain.model.plan.Plan;
import dev.virtchain.model.plan.Planner;
import dev.virtchain.model.plan.Step;
import dev.virtchain.model.sim.SimulatedHost;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * The daemon's own executor on the simulator, one operation at a time: the domain a ledger
 * describes is defined on a {@link SimHost} around the caller's simulator, adopted into a fresh
 * ledger store, and the intent goes through {@link OperationRunner} as a client's request would:
 * planned from what the host shows, recorded before each step, applied step by step. Each call is
 * a daemon that starts with the caller's ledger and stops after the one operation, so the
 * planner's tests and the benchmarks keep their own model of the ledger between calls.
 *
 * <p>On the way it checks what the planner promises the executor: every step copies exactly the
 * bytes its plan estimated, an export at most (qemu-img skips zeroes allocation cannot see).
 */
public final class SimExecution {
    private static final Path STATE_PARENT = stateParent();
    /** The executor logs each operation and step; tests and benchmarks here run tens of thousands. */
    private static final ch.qos.logback.classic.Logger EXECUTOR_LOG =
            (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("dev.virtchain.daemon.exec");

    /** What one operation did: its plan, the ledger it left, whether the domain runs, the bytes copied. */
    public record Executed(Plan plan, Ledger ledger, boolean running, long copied) {
    }

    /** Sees the host after each step: the step, the ledger as persisted then, the image each disk runs on. */
    @FunctionalInterface
    public interface StepWatcher {
        StepWatcher NONE = (step, persisted, live) -> { };

        void after(Step step, Ledger persisted, Map<String, String> live);
    }

    private SimExecution() {
    }

    public static Executed run(SimulatedHost sim, Ledger ledger, boolean running, Intent intent, Clock clock,
                               HostCapabilities caps, StepWatcher watcher) {
        SimHost host = new SimHost(sim);
        Map<String, String> disks = new LinkedHashMap<>();
        for (Disk d : ledger.disks()) {
            disks.put(d.target(), d.active());
        }
        String domain = ledger.domainName();
        SimHost.Domain defined = host.define(domain, ledger.domain().uuid(), running, disks);
        Path state = tempState();
        quiet(true);
        try {
            LedgerStore store = new LedgerStore(state, clock);
            LedgerBook book = new LedgerBook(store, store.loadAll().ledgers());
            // The program as recorded: after the last ledger rewrite the record is gone with the operation.
            AtomicReference<List<Step>> program = new AtomicReference<>();
            CrashSite watching = point -> {
                StoredLedger now = book.byName(domain).orElseThrow();
                now.operation().ifPresent(op -> program.set(op.steps()));
                if (point.where() != CrashPoint.Where.AFTER_STEP && point.where() != CrashPoint.Where.AFTER_LEDGER) {
                    return;
                }
                Step step = program.get().get(point.step());
                watcher.after(step, now.ledger(), Map.copyOf(defined.disks));
            };
            OperationRunner runner = new OperationRunner(host, book, new Planner(clock, caps), new DiskLocks(), 4,
                    watching, clock, 0, 0);
            runner.adopt(ledger);
            OperationRunner.Result r = runner.run(domain, intent, OperationRunner.Options.DEFAULT, ProgressSink.DISCARD);
            long copied = 0;
            for (Step s : r.plan().steps()) {
                long bytes = host.copied(s);
                boolean export = s instanceof Step.Convert || s instanceof Step.ConvertDiff;
                if (export ? bytes > s.estimatedBytes() : bytes != s.estimatedBytes()) {
                    throw new AssertionError("copied " + bytes + (export ? " > " : " != ") + "estimate "
                            + s.estimatedBytes() + " at " + s);
                }
                copied += bytes;
            }
            return new Executed(r.plan(), r.ledger(), defined.running, copied);
        } finally {
            quiet(false);
            delete(state);
        }
    }

    private static int running;
    private static ch.qos.logback.classic.Level level;

    /** Executor logs at WARN while any call runs (calls may run on several threads at once). */
    private static synchronized void quiet(boolean on) {
        if (on && running++ == 0) {
            level = EXECUTOR_LOG.getLevel();
            EXECUTOR_LOG.setLevel(ch.qos.logback.classic.Level.WARN);
        } else if (!on && --running == 0) {
            EXECUTOR_LOG.setLevel(level);
        }
    }

    /** Tmpfs when there is one: ledger writes are fsynced, and a property test makes thousands. */
    private static Path stateParent() {
        Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
    }

    private static Path tempState() {
        try {
            return Files.createTempDirectory(STATE_PARENT, "virtchain-sim-exec-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
