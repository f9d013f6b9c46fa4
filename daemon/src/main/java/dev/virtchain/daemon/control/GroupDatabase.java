package dev.virtchain.daemon.control;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Reads group entries from a group(5) file, {@code /etc/group} on a real host. Read afresh on
 * each look-up, so adding an operator to the group takes effect without restarting the daemon.
 *
 * <p>Only the file is consulted, not NSS: virtchain's group is a local system group created by
 * sysusers.d, and a member list held in a directory service would be one more thing able to
 * lock operators out when the network is down.
 */
public final class GroupDatabase {

    /** One line of the group file. */
    public record Group(String name, long gid, List<String> members) {
        public Group {
            members = List.copyOf(members);
        }
    }

    private final Path file;

    public GroupDatabase(Path file) {
        this.file = file;
    }

    public static GroupDatabase system() {
        return new GroupDatabase(Path.of("/etc/group"));
    }

    /** The first entry named {@code name}. */
    public Optional<Group> find(String name) throws IOException {
        return entries().stream().filter(g -> g.name().equals(name)).findFirst();
    }

    /**
     * Every entry with gid {@code gid}: the kernel knows groups by number, so a second line with
     * the same gid under another name makes its members members of the same group.
     */
    public List<Group> withGid(long gid) throws IOException {
        return entries().stream().filter(g -> g.gid() == gid).toList();
    }

    private List<Group> entries() throws IOException {
        List<Group> out = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] fields = line.split(":", -1);
            if (fields.length < 4) {
                continue;
            }
            long gid;
            try {
                gid = Long.parseLong(fields[2].strip());
            } catch (NumberFormatException e) {
                continue; // a damaged line cannot grant anything
            }
            List<String> members = Arrays.stream(fields[3].split(","))
                    .map(String::strip)
                    .filter(m -> !m.isEmpty())
                    .toList();
            out.add(new Group(fields[0], gid, members));
        }
        return out;
    }

    public Path file() {
        return file;
    }
}
