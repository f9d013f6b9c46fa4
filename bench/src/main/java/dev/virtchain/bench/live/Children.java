package dev.virtchain.bench.live;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Long-running processes the benchmarks start (daemons, event watchers). A shutdown hook ends
 * the ones still running, so that a benchmark JVM told to stop (bench/run interrupted) leaves
 * none behind; the JVM's own child processes are not ended by its exit.
 */
final class Children {
    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(Process::destroy), "stop-children"));
    }

    private Children() {
    }

    static Process started(Process p) {
        RUNNING.add(p);
        return p;
    }

    static void ended(Process p) {
        RUNNING.remove(p);
    }
}
