package dev.virtchain.libvirt;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What an error is about: the domain, disk, snapshot and file involved, each {@code null} when it
 * does not apply. Errors print it so an operator knows where to look without reading a stack trace.
 */
public record Involved(String domain, String disk, String snapshot, Path file) {
    /** Nothing in particular: the host or the connection as a whole. */
    public static Involved host() {
        return new Involved(null, null, null, null);
    }

    public static Involved domain(String domain) {
        return new Involved(domain, null, null, null);
    }

    public Involved disk(String target) {
        return new Involved(domain, target, snapshot, file);
    }

    public Involved snapshot(String name) {
        return new Involved(domain, disk, name, file);
    }

    public Involved file(Path path) {
        return new Involved(domain, disk, snapshot, path);
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        if (domain != null) {
            parts.add("domain " + domain);
        }
        if (disk != null) {
            parts.add("disk " + disk);
        }
        if (snapshot != null) {
            parts.add("snapshot " + snapshot);
        }
        if (file != null) {
            parts.add("file " + file);
        }
        return parts.isEmpty() ? "the host" : String.join(", ", parts);
    }
}
