package dev.virtchain.bench.live;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads "name: value" lines of /proc files. */
public final class ProcFiles {
    private ProcFiles() {
    }

    /** The first number after {@code name:}; kB values ({@code VmRSS}) are returned in bytes. */
    public static long field(Path file, String name) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(name + ":")) {
                    String[] parts = line.substring(name.length() + 1).trim().split("\\s+");
                    long v = Long.parseLong(parts[0]);
                    return parts.length > 1 && parts[1].equals("kB") ? v * 1024 : v;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        throw new IllegalStateException(file + " has no field " + name);
    }

    /** Resident set size of a process. */
    public static long rss(long pid) {
        return field(Path.of("/proc", Long.toString(pid), "status"), "VmRSS");
    }

    /** Peak resident set size of a process. */
    public static long peakRss(long pid) {
        return field(Path.of("/proc", Long.toString(pid), "status"), "VmHWM");
    }
}
