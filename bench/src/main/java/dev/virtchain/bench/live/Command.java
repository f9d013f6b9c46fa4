package dev.virtchain.bench.live;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** An external tool run to completion, with its output and how long it took from fork to exit. */
public record Command(List<String> argv, int exit, String out, String err, long nanos) {

    private static final long TIMEOUT_MINUTES = 10;

    public double millis() {
        return nanos / 1e6;
    }

    public double seconds() {
        return nanos / 1e9;
    }

    /** Runs {@code argv}; a non-zero exit is an error naming the command and what it printed. */
    public static Command run(List<String> argv) {
        Command c = runAllowingFailure(argv);
        if (c.exit != 0) {
            throw new IllegalStateException(String.join(" ", argv) + " exited with " + c.exit + ": "
                    + (c.err.isBlank() ? c.out : c.err).strip());
        }
        return c;
    }

    public static Command run(String... argv) {
        return run(List.of(argv));
    }

    public static Command runAllowingFailure(List<String> argv) {
        ProcessBuilder pb = new ProcessBuilder(argv);
        long t0 = System.nanoTime();
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + argv.get(0), e);
        }
        try {
            p.getOutputStream().close();
        } catch (IOException e) {
            // the tool reads no input; a failed close changes nothing
        }
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        try {
            if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", argv) + " did not finish within "
                        + TIMEOUT_MINUTES + " minutes");
            }
            long nanos = System.nanoTime() - t0;
            return new Command(List.copyOf(argv), p.exitValue(), out.join(), err.join(), nanos);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + argv.get(0), e);
        }
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
