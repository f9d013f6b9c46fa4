package dev.virtchain.libvirt;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Where JNA looks for native libraries (libvirt, libsystemd). Unless told, JNA's first use on
 * Linux runs {@code /sbin/ldconfig -p} to learn the library directories: a process started on
 * every daemon start, 60 ms of it here. The directories it would find for this machine's own
 * architecture are known, so they are named instead; a JVM given {@code jna.platform.library.path}
 * keeps its own, and an architecture not listed here is left to JNA.
 */
public final class NativeSearchPath {
    private NativeSearchPath() {}

    /** Sets {@code jna.platform.library.path} unless it is set; call before JNA loads a library. */
    public static synchronized void useKnownDirectories() {
        if (System.getProperty("jna.platform.library.path") != null) {
            return;
        }
        String tuple = switch (System.getProperty("os.arch", "").toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> "x86_64-linux-gnu";
            case "aarch64", "arm64" -> "aarch64-linux-gnu";
            case "ppc64le" -> "powerpc64le-linux-gnu";
            case "s390x" -> "s390x-linux-gnu";
            default -> null;
        };
        if (tuple == null || !System.getProperty("os.name", "").equals("Linux")) {
            return;
        }
        List<String> found = new ArrayList<>();
        for (String dir : List.of("/usr/lib/" + tuple, "/lib/" + tuple, "/usr/lib64", "/lib64", "/usr/lib", "/lib")) {
            if (Files.isDirectory(Path.of(dir))) {
                found.add(dir);
            }
        }
        if (!found.isEmpty()) {
            System.setProperty("jna.platform.library.path", String.join(":", found));
        }
    }
}
