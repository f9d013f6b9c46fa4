package dev.virtchain.bench;

import java.io.PrintStream;

/** Progress lines for the person running the benchmarks, on standard error. */
public final class Progress {
    private final PrintStream err;

    public Progress(PrintStream err) {
        this.err = err;
    }

    public synchronized void say(String line) {
        err.println(line);
        err.flush();
    }
}
