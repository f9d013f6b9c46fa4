package dev.virtchain.daemon.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Test helpers for the text exposition: written by the client library's writer, checked by
 * Debian's {@code promtool check metrics} (the linter Prometheus ships), and read back into
 * series → value for assertions.
 */
final class Exposition {
    private Exposition() {}

    static String text(MetricSnapshots snapshots) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.create().write(out, snapshots);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /**
     * Every sample line as {@code name{labels}} (labels as written, in the writer's order) to its
     * value; comment lines are skipped. A line that is not {@code series value} fails the test.
     */
    static Map<String, Double> samples(String text) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            if (space < 0) {
                fail("not a sample line: " + line);
            }
            String series = line.substring(0, space);
            if (out.put(series, Double.parseDouble(line.substring(space + 1))) != null) {
                fail("series written twice: " + series);
            }
        }
        return out;
    }

    /** Runs {@code promtool check metrics} on the text; fails with its findings (lint problems included). */
    static void assertPromtoolAccepts(String text) {
        try {
            Process p = new ProcessBuilder(List.of(promtool(), "check", "metrics")).redirectErrorStream(true).start();
            p.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("promtool check metrics did not finish within 60 s");
            }
            assertEquals(0, p.exitValue(), "promtool check metrics found problems:\n" + said + "\nin:\n" + text);
            assertEquals("", said.strip(), "promtool check metrics found lint problems:\n" + said);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run promtool; Debian's prometheus package has it"
                    + " (scripts/test installs it)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static String promtool() {
        return "promtool";
    }
}
