package dev.virtchain.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The offline verifier of the Linux test guest's disks: what the writer (see {@link RealGuest})
 * left in one point in time of one disk. The image and its backing chain are copied to a
 * temporary raw file ({@code qemu-img convert -U -f FORMAT}), the file system is checked with
 * {@code e2fsck}, and {@code /records} is read with {@code debugfs}; every record must carry the
 * disk's name, the next number and a matching check sum.
 */
public final class GuestRecords {
    private static final Pattern RECORD = Pattern.compile("(vd[a-z]) (\\d{8}) (\\d{10}) ([0-9a-f]{8})");

    /**
     * One disk at one point in time.
     *
     * @param last          number of the last record (0: the writer had not written yet)
     * @param centiseconds  guest uptime when each record was written, record 1 first
     * @param neededReplay  the file system was left with its journal to replay (crash-consistent)
     */
    public record PointInTime(String disk, Path image, long last, long[] centiseconds, boolean neededReplay) {
        /** Number of the first record this point in time holds (1 unless it has none). */
        public long first() {
            return last - centiseconds.length + 1;
        }
    }

    private GuestRecords() {}

    /**
     * A point in time that must be clean as it is: what a quiesced snapshot (guest agent
     * fsfreeze) or a cleanly shut-down guest leaves. Fails when the journal needs replay or
     * {@code e2fsck -fn} finds anything.
     */
    public static PointInTime clean(Path image, String format, String disk) {
        return read(image, format, disk, true);
    }

    /**
     * A point in time that may need its journal replayed (a crash-consistent snapshot): the
     * temporary copy is replayed with {@code e2fsck -fy}, after which {@code e2fsck -fn} must find
     * nothing. Every record must still be whole and in sequence.
     */
    public static PointInTime crashConsistent(Path image, String format, String disk) {
        return read(image, format, disk, false);
    }

    private static PointInTime read(Path image, String format, String disk, boolean mustBeClean) {
        Path raw = null;
        try {
            raw = Files.createTempFile(TestDomain.workRoot(), ".vctest-verify-", ".raw");
            Tools.run(List.of("qemu-img", "convert", "-U", "-f", format, "-O", "raw", image.toString(),
                    raw.toString()));
            boolean needsReplay = Tools.run(List.of("dumpe2fs", "-h", raw.toString())).lines()
                    .anyMatch(l -> l.startsWith("Filesystem features:") && l.contains("needs_recovery"));
            String where = disk + " in " + image;
            if (mustBeClean && needsReplay) {
                throw new AssertionError("the file system of " + where + " needs its journal replayed: not quiesced");
            }
            if (!mustBeClean) {
                Tools.Result fix = Tools.exec(List.of("e2fsck", "-fy", raw.toString()));
                if (fix.status() > 1) {
                    throw new AssertionError("e2fsck -fy of " + where + " exited " + fix.status() + ":\n" + fix.out());
                }
            }
            Tools.Result check = Tools.exec(List.of("e2fsck", "-fn", raw.toString()));
            if (check.status() != 0) {
                throw new AssertionError("e2fsck -fn of " + where + " exited " + check.status() + ":\n" + check.out());
            }
            String text = Tools.run(List.of("debugfs", "-R", "cat /records", raw.toString()));
            return parse(disk, image, text, needsReplay);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot verify " + disk + " in " + image, e);
        } finally {
            if (raw != null) {
                try {
                    Files.deleteIfExists(raw);
                } catch (IOException ignored) {
                    // a temporary file; the next sweep of the work root does not need it either
                }
            }
        }
    }

    static PointInTime parse(String disk, Path image, String text, boolean neededReplay) {
        int index = disk.charAt(2) - 'a' + 1;
        List<Long> times = new ArrayList<>();
        long previous = 0;
        long first = 0;
        String[] lines = text.isEmpty() ? new String[0] : text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (i == lines.length - 1 && line.isEmpty()) {
                break; // the newline ending the last record
            }
            Matcher m = RECORD.matcher(line);
            String where = disk + " in " + image + ", line " + (i + 1) + ": '" + line + "'";
            if (!m.matches()) {
                throw new AssertionError("not a whole record on " + where);
            }
            long n = Long.parseLong(m.group(2));
            long t = Long.parseLong(m.group(3));
            long check = Long.parseLong(m.group(4), 16);
            if (!m.group(1).equals(disk)) {
                throw new AssertionError("a record of another disk on " + where);
            }
            if (check != checkSum(n, t, index)) {
                throw new AssertionError(String.format(Locale.ROOT, "check sum %08x expected on %s", checkSum(n, t, index), where));
            }
            if (i == 0) {
                first = n;
                if (n != 1) {
                    throw new AssertionError("records start at " + n + ", not 1, on " + where);
                }
            } else if (n != previous + 1) {
                throw new AssertionError("record " + n + " follows " + previous + " on " + where);
            }
            previous = n;
            times.add(t);
        }
        long[] centiseconds = times.stream().mapToLong(Long::longValue).toArray();
        return new PointInTime(disk, image, first == 0 ? 0 : previous, centiseconds, neededReplay);
    }

    /** The writer's sum: {@code (n * 2654435761 + t * 40503 + index * 97) mod 2^32}. */
    static long checkSum(long n, long centiseconds, int diskIndex) {
        return (n * 2654435761L + centiseconds * 40503L + diskIndex * 97L) % 4294967296L;
    }
}
