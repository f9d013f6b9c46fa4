package dev.virtchain.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.bench.live.Command;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The facts about the machine a run is read against, from commands and /proc: nothing that names
 * the host or its paths.
 */
public final class Machine {
    private Machine() {
    }

    static ObjectNode describe() {
        ObjectNode m = JsonNodeFactory.instance.objectNode();
        m.put("cpu", cpuModel());
        m.put("cpus", Runtime.getRuntime().availableProcessors());
        m.put("memoryBytes", memTotal());
        m.put("kernel", firstLine(List.of("uname", "-r")));
        m.put("os", osName());
        m.put("libvirt", firstLine(List.of("libvirtd", "--version")));
        m.put("qemu", firstLine(List.of("qemu-system-x86_64", "--version")));
        m.put("qemuImg", firstLine(List.of("qemu-img", "--version")));
        m.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        m.put("hyperfine", firstLine(List.of("hyperfine", "--version")));
        return m;
    }

    /** The 1-, 5- and 15-minute load averages. */
    public static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            return "unknown";
        }
        return "unknown";
    }

    private static long memTotal() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }

    private static String osName() {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
                if (line.startsWith("PRETTY_NAME=")) {
                    return line.substring("PRETTY_NAME=".length()).replace("\"", "");
                }
            }
        } catch (IOException e) {
            return "unknown";
        }
        return "unknown";
    }

    private static String firstLine(List<String> argv) {
        try {
            Command c = Command.runAllowingFailure(argv);
            String text = (c.out().isBlank() ? c.err() : c.out()).strip();
            String line = text.isEmpty() ? "" : text.lines().findFirst().orElse("");
            return c.exit() == 0 ? line : "not available";
        } catch (UncheckedIOException e) {
            return "not installed";
        }
    }

    static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }
}
