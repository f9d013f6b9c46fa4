package dev.virtchain.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.Set;

/**
 * The zone local times are shown in. java.time's lookup of the system's zone reads the whole
 * time-zone database, 19 ms of a 157 ms text {@code status} here; on a host that runs on UTC, as
 * most servers do, the same answer comes from {@code TZ}, {@code /etc/timezone} and
 * {@code /etc/localtime} without it. Anything else, or anything unclear, goes to
 * {@link ZoneId#systemDefault()}.
 */
final class LocalZone {
    /** Zone names whose offset is zero all year. */
    private static final Set<String> UTC = Set.of("UTC", "Etc/UTC", "UCT", "Etc/UCT", "Universal", "Etc/Universal",
            "Zulu", "Etc/Zulu", "GMT", "Etc/GMT", "GMT0", "Etc/GMT0", "GMT+0", "Etc/GMT+0", "GMT-0", "Etc/GMT-0",
            "Greenwich", "Etc/Greenwich");
    private static final long TIMEZONE_FILE_MAX = 256;

    private LocalZone() {}

    /** The system's zone, as {@link ZoneId#systemDefault()} would give it. */
    static ZoneId system() {
        return utc(System.getenv("TZ"), System.getProperty("user.timezone"), Path.of("/etc"))
                .orElseGet(ZoneId::systemDefault);
    }

    /**
     * UTC when the system's zone is certainly a zero-offset one: {@code TZ} names one, or, with
     * {@code TZ} unset, {@code /etc/localtime} links to one and {@code /etc/timezone}, if there,
     * names one too. Empty otherwise, and when the JVM was given a zone ({@code user.timezone}).
     */
    static Optional<ZoneId> utc(String tz, String userTimezone, Path etc) {
        if (userTimezone != null && !userTimezone.isEmpty()) {
            return Optional.empty();
        }
        if (tz != null && !tz.isEmpty()) {
            return zero(tz.startsWith(":") ? tz.substring(1) : tz);
        }
        try {
            Path timezone = etc.resolve("timezone");
            if (Files.exists(timezone)) {
                if (Files.size(timezone) > TIMEZONE_FILE_MAX || zero(Files.readString(timezone).strip()).isEmpty()) {
                    return Optional.empty();
                }
            }
            String link = Files.readSymbolicLink(etc.resolve("localtime")).toString();
            int at = link.lastIndexOf("zoneinfo/");
            return at < 0 ? Optional.empty() : zero(link.substring(at + "zoneinfo/".length()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // not a link, unreadable: the JDK decides
        }
    }

    private static Optional<ZoneId> zero(String name) {
        return UTC.contains(name) ? Optional.of(ZoneOffset.UTC) : Optional.empty();
    }
}
