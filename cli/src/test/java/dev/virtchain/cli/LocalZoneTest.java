package dev.virtchain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The system's zone without the time-zone database, and only when it is certainly UTC. */
class LocalZoneTest {
    private static final Optional<ZoneId> UTC = Optional.of(ZoneOffset.UTC);

    @TempDir
    Path etc;

    @Test
    void tzNamesTheZone() {
        assertEquals(UTC, LocalZone.utc("UTC", "", etc));
        assertEquals(UTC, LocalZone.utc(":Etc/UTC", "", etc));
        assertEquals(Optional.empty(), LocalZone.utc("Europe/Berlin", "", etc));
        assertEquals(Optional.empty(), LocalZone.utc("UTC0", "", etc), "a POSIX rule is the JDK's to read");
    }

    @Test
    void aZoneGivenToTheJvmIsTheJdksToRead() throws Exception {
        link("/usr/share/zoneinfo/Etc/UTC");
        assertEquals(Optional.empty(), LocalZone.utc("UTC", "Europe/Paris", etc));
        assertEquals(Optional.empty(), LocalZone.utc(null, "UTC", etc));
    }

    @Test
    void withoutTzTheLocaltimeLinkAndTheTimezoneFileMustBothSayUtc() throws Exception {
        link("/usr/share/zoneinfo/Etc/UTC");
        assertEquals(UTC, LocalZone.utc(null, null, etc), "a link alone");
        assertEquals(UTC, LocalZone.utc("", "", etc), "an empty TZ is unset");
        Files.writeString(etc.resolve("timezone"), "Etc/UTC\n");
        assertEquals(UTC, LocalZone.utc(null, null, etc), "both");
        Files.writeString(etc.resolve("timezone"), "Europe/Paris\n");
        assertEquals(Optional.empty(), LocalZone.utc(null, null, etc), "they disagree");
    }

    @Test
    void anyOtherZoneOrShapeIsTheJdksToRead() throws Exception {
        assertEquals(Optional.empty(), LocalZone.utc(null, null, etc), "no /etc/localtime");
        link("../usr/share/zoneinfo/America/New_York");
        assertEquals(Optional.empty(), LocalZone.utc(null, null, etc));
        Files.delete(etc.resolve("localtime"));
        link("/usr/share/zoneinfo/right/UTC");
        assertEquals(Optional.empty(), LocalZone.utc(null, null, etc), "with leap seconds");
        Files.delete(etc.resolve("localtime"));
        Files.write(etc.resolve("localtime"), new byte[] {'T', 'Z', 'i', 'f'});
        assertEquals(Optional.empty(), LocalZone.utc(null, null, etc), "a copied zone file, not a link");
    }

    /** On this machine, whatever its zone: the shortcut answers as java.time does, or not at all. */
    @Test
    void theShortcutAgreesWithTheJdkHere() {
        ZoneId jdk = ZoneId.systemDefault();
        ZoneId ours = LocalZone.system();
        for (String at : new String[] {"2026-01-15T12:00:00Z", "2026-07-15T12:00:00Z", "1990-03-25T01:30:00Z"}) {
            Instant i = Instant.parse(at);
            assertEquals(jdk.getRules().getOffset(i), ours.getRules().getOffset(i), at);
        }
    }

    private void link(String target) throws Exception {
        Files.createSymbolicLink(etc.resolve("localtime"), Path.of(target));
    }
}
