package dev.virtchain.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs host tools (qemu-img, apt-get, e2fsck) with argument lists; a failure carries the command and its stderr. */
final class Tools {
    private Tools() {}

    static String run(List<String> command) {
        return runIn(null, command);
    }

    /** Runs {@code command} in {@code directory} (null: the JVM's). */
    static String runIn(Path directory, List<String> command) {
        try {
            Path err = Files.createTempFile("vctest-stderr", ".txt");
            try {
                Process p = new ProcessBuilder(command)
                        .directory(directory == null ? null : directory.toFile())
                        .redirectError(err.toFile())
                        .redirectInput(new java.io.File("/dev/null"))
                        .start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(10, TimeUnit.MINUTES)) {
                    p.destroyForcibly();
                    throw new IllegalStateException("timed out: " + String.join(" ", command));
                }
                if (p.exitValue() != 0) {
                    throw new IllegalStateException(String.join(" ", command) + " exited with " + p.exitValue()
                            + ": " + Files.readString(err).strip());
                }
                return out;
            } finally {
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command.get(0), e);
        }
    }

    /** How a command ended: its exit status and what it printed (stdout and stderr together). */
    record Result(int status, String out) {}

    /** Runs {@code command} for tools whose exit status carries meaning (e2fsck): no status is a failure here. */
    static Result exec(List<String> command) {
        try {
            Process p = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectInput(new java.io.File("/dev/null"))
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out: " + String.join(" ", command));
            }
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command.get(0), e);
        }
    }
}
