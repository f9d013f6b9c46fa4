package dev.virtchain.bench.live;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * libvirt's block-job events for one domain as they happen ({@code virsh event --loop
 * --timestamp --event block-job-2}): when libvirt saw a job end, independently of whoever waits
 * for it. Output is line-buffered into a file and read back on demand.
 */
final class BlockJobEvents implements AutoCloseable {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSZ");
    private static final Pattern LINE = Pattern.compile(
            "^(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}[+-]\\d{4}): event 'block-job-2' for domain '([^']+)':"
                    + " (.*)$");

    private final Process process;
    private final Path out;

    private BlockJobEvents(Process process, Path out) {
        this.process = process;
        this.out = out;
    }

    static BlockJobEvents follow(String domain, Path out) {
        List<String> argv = new ArrayList<>(List.of("stdbuf", "-oL"));
        argv.addAll(Virsh.argv(List.of("event", "--domain", domain, "--loop", "--timestamp", "--event",
                "block-job-2")));
        try {
            Process p = Children.started(
                    new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(out.toFile()).start());
            return new BlockJobEvents(p, out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot follow block-job events of " + domain, e);
        }
    }

    /** Seconds from {@code since} to the first event at or after it whose text contains {@code status}; -1 if none. */
    double secondsToEvent(Instant since, String status) {
        Instant from = since.truncatedTo(ChronoUnit.MILLIS);
        try {
            for (String line : Files.readAllLines(out)) {
                Matcher m = LINE.matcher(line);
                if (!m.matches() || !m.group(3).contains(status)) {
                    continue;
                }
                Instant t = OffsetDateTime.parse(m.group(1), STAMP).toInstant();
                if (!t.isBefore(from)) {
                    return Duration.between(since, t).toNanos() / 1e9;
                }
            }
        } catch (IOException | DateTimeParseException e) {
            return -1;
        }
        return -1;
    }

    @Override
    public void close() {
        Children.ended(process);
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
