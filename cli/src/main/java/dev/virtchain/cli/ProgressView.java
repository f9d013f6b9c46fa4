package dev.virtchain.cli;

import java.io.PrintStream;
import java.time.Clock;
import java.util.Map;

/**
 * Shows the daemon's progress lines on stderr. On a terminal: one line per phase, a bar redrawn
 * in place with {@code \r} at most ten times a second. Otherwise (a log, a pipe): a plain line
 * when a phase starts, at most once a second after that, and when the phase completes.
 *
 * <p>The rate is the average since the phase's first progress line, so a stalled job shows
 * its rate falling rather than vanishing.
 */
final class ProgressView {
    static final int BAR_WIDTH = 20;
    private static final long TERMINAL_INTERVAL_MILLIS = 100;
    private static final long PLAIN_INTERVAL_MILLIS = 1000;

    private final PrintStream err;
    private final boolean terminal;
    private final Clock clock;

    private String phase;
    private long phaseStartMillis;
    private long phaseStartDone;
    private long lastShownMillis;
    /** The latest state of the phase as text, and whether it is what the screen shows. */
    private String latest;
    private boolean latestShown;
    private volatile int drawnLength;
    private String shownText;
    private boolean watching;
    private volatile boolean finished = true;

    ProgressView(PrintStream err, boolean terminal, Clock clock) {
        this.err = err;
        this.terminal = terminal;
        this.clock = clock;
    }

    /**
     * From the first progress line until {@link #finish}, interrupting the client (Ctrl-C) ends
     * the bar's line and says that the daemon carries on; otherwise people take the prompt
     * for the end of the operation. Registered only then: a shutdown hook costs start-up time.
     */
    private void watchForInterrupt() {
        Runtime.getRuntime().addShutdownHook(new Thread("virtchain-interrupt") {
            @Override
            public void run() {
                if (!finished) {
                    err.print((drawnLength > 0 ? "\n" : "") + "virtchain: interrupted; virtchaind carries on with "
                            + "the operation: see 'virtchain job-list', or stop it with 'virtchain job-abort'\n");
                    err.flush();
                }
            }
        });
    }

    void update(Map<String, Object> line) {
        if (!watching) {
            watching = true;
            finished = false;
            watchForInterrupt();
        }
        long now = clock.millis();
        String newPhase = Json.string(line, "phase");
        if (newPhase == null) {
            newPhase = "working";
        }
        long done = Json.number(line, "done");
        long total = Json.number(line, "total");
        boolean phaseChanged = !newPhase.equals(phase);
        if (phaseChanged) {
            endLine();
            phase = newPhase;
            phaseStartMillis = now;
            phaseStartDone = Math.max(done, 0);
            shownText = null;
            lastShownMillis = Long.MIN_VALUE / 2;
        }
        double rate = -1;
        long elapsed = now - phaseStartMillis;
        if (elapsed >= 200 && done >= 0) {
            rate = (done - phaseStartDone) * 1000.0 / elapsed;
        }
        boolean complete = total > 0 && done >= total;
        latest = format(phase, done, total, rate, Json.string(line, "message"), terminal);
        latestShown = latest.equals(shownText);
        long interval = terminal ? TERMINAL_INTERVAL_MILLIS : PLAIN_INTERVAL_MILLIS;
        boolean due = phaseChanged || complete || now - lastShownMillis >= interval;
        if (due && !latest.equals(shownText)) {
            show(now);
        }
    }

    /** Ends the progress display before the result is printed, showing the last state if it was held back. */
    void finish() {
        finished = true;
        if (!terminal && latest != null && !latestShown) {
            show(clock.millis());
        }
        endLine();
        phase = null;
        latest = null;
    }

    private void show(long now) {
        if (terminal) {
            StringBuilder out = new StringBuilder("\r").append(latest);
            // Blank what a longer previous drawing left behind.
            Table.spaces(out, drawnLength - latest.length());
            err.print(out);
            drawnLength = latest.length();
        } else {
            err.println(latest);
        }
        err.flush();
        latestShown = true;
        shownText = latest;
        lastShownMillis = now;
    }

    private void endLine() {
        if (terminal && drawnLength > 0) {
            if (latest != null && !latestShown) {
                show(clock.millis());
            }
            err.println();
            err.flush();
        }
        drawnLength = 0;
    }

    /**
     * One progress line: {@code commit vda [#########...........] 45% 120.0 MiB/267.0 MiB
     * 35.2 MiB/s ETA 0:04} with a bar, {@code commit vda: 45% …} without. Parts that are not
     * known (no total, no rate yet) are left out; a message without byte counts is shown as
     * {@code phase: message}.
     */
    static String format(String phase, long done, long total, double rate, String message, boolean bar) {
        StringBuilder out = new StringBuilder(Table.oneLine(phase));
        if (done < 0) {
            if (message != null && !message.isEmpty()) {
                out.append(": ").append(Table.oneLine(message));
            }
            return out.toString();
        }
        if (total > 0) {
            // Rounded, but never "100%" or a full bar before the job is complete.
            long percent = fraction(done, total, 100);
            if (bar) {
                long filled = fraction(done, total, BAR_WIDTH);
                out.append(" [");
                for (int i = 0; i < BAR_WIDTH; i++) {
                    out.append(i < filled ? '#' : '.');
                }
                out.append("] ");
            } else {
                out.append(": ");
            }
            out.append(percent).append("% ").append(Table.size(done)).append('/').append(Table.size(total));
        } else {
            out.append(bar ? " " : ": ").append(Table.size(done));
        }
        if (rate >= 0) {
            out.append(' ').append(Table.rate(rate));
            if (total > 0 && done < total && rate > 0) {
                out.append(" ETA ").append(Table.duration(Math.round((total - done) / rate)));
            }
        }
        if (message != null && !message.isEmpty()) {
            out.append("  ").append(Table.oneLine(message));
        }
        return out.toString();
    }

    static long fraction(long done, long total, long scale) {
        if (done >= total) {
            return scale;
        }
        long rounded = Math.round((double) Math.max(done, 0) * scale / total);
        return Math.min(rounded, scale - 1);
    }
}
