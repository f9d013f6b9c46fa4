package dev.virtchain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProgressViewTest {
    private static final long MIB = 1024 * 1024;

    @Test
    void formatsTheBar() {
        assertEquals("commit vda [#########...........] 45% 120.0 MiB/267.0 MiB 35.2 MiB/s ETA 0:04",
                ProgressView.format("commit vda", 120 * MIB, 267 * MIB, 35.2 * MIB, null, true));
        assertEquals("commit vda: 45% 120.0 MiB/267.0 MiB 35.2 MiB/s ETA 0:04",
                ProgressView.format("commit vda", 120 * MIB, 267 * MIB, 35.2 * MIB, null, false));
    }

    @Test
    void leavesOutWhatIsNotKnown() {
        assertEquals("commit vda [....................] 0% 0 B/267.0 MiB",
                ProgressView.format("commit vda", 0, 267 * MIB, -1, null, true));
        assertEquals("pull vdb 12.0 MiB 1.0 MiB/s", ProgressView.format("pull vdb", 12 * MIB, -1, MIB, null, true));
        assertEquals("pull vdb: 12.0 MiB", ProgressView.format("pull vdb", 12 * MIB, 0, -1, null, false));
        assertEquals("pivot vda: waiting for the job to be ready",
                ProgressView.format("pivot vda", -1, -1, -1, "waiting for the job to be ready", true));
        assertEquals("commit vda [####################] 100% 267.0 MiB/267.0 MiB 30.0 MiB/s  merged",
                ProgressView.format("commit vda", 267 * MIB, 267 * MIB, 30 * MIB, "merged", true));
    }

    @Test
    void neverShowsCompleteBeforeItIs() {
        assertEquals("c [###################.] 99% 1023.0 KiB/1.0 MiB",
                ProgressView.format("c", MIB - 1024, MIB, -1, null, true));
    }

    private static Map<String, Object> line(String phase, long done, long total, String message) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("type", "progress");
        line.put("phase", phase);
        if (done >= 0) {
            line.put("done", done);
            line.put("total", total);
        }
        if (message != null) {
            line.put("message", message);
        }
        return line;
    }

    /** A commit of 100 MiB reported every 50 ms at 20 MiB/s, then a pivot with only a message. */
    private static String run(boolean terminal) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Fixtures.ManualClock clock = new Fixtures.ManualClock(1_000_000);
        ProgressView view = new ProgressView(err, terminal, clock);
        for (long t = 0; t <= 5000; t += 50) {
            view.update(line("commit vda", Math.min(100 * MIB, t * 20 * MIB / 1000), 100 * MIB, null));
            clock.advance(50);
        }
        view.update(line("pivot vda", -1, -1, "waiting for the job to be ready"));
        clock.advance(300);
        view.update(line("pivot vda", -1, -1, "pivoted"));
        view.finish();
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void onATerminalRedrawsOneLineTenTimesASecond() {
        String out = run(true);
        // 5 s at 10 redraws per second, the first and last of the phase included, give ~51 draws.
        long draws = out.chars().filter(c -> c == '\r').count();
        assertEquals(53, draws);
        // Each carriage return starts a line of the golden file, shown as "\r".
        Fixtures.assertGolden("progress-terminal", out.replace("\r", "\n\\r"));
    }

    @Test
    void elsewherePrintsAPlainLineASecondAndAtCompletion() {
        Fixtures.assertGolden("progress-plain", run(false));
    }

    @Test
    void repeatedCompletionIsPrintedOnce() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressView view = new ProgressView(new PrintStream(bytes, true, StandardCharsets.UTF_8), false,
                new Fixtures.ManualClock(0));
        view.update(line("commit vda", 10, 10, null));
        view.update(line("commit vda", 10, 10, null));
        view.finish();
        assertEquals("commit vda: 100% 10 B/10 B\n", bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void finishingWithoutProgressPrintsNothing() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new ProgressView(new PrintStream(bytes), true, new Fixtures.ManualClock(0)).finish();
        assertEquals("", bytes.toString(StandardCharsets.UTF_8));
    }
}
