package dev.virtchain.cli;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/**
 * Aligned text columns, and the formats every view shares: sizes in binary units, rates,
 * durations and ISO-8601 local times. Missing values print as {@code -}.
 */
final class Table {
    static final String NONE = "-";
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    private final String[] headers;
    private final boolean[] right;
    private final List<String[]> rows = new ArrayList<>();

    /** A header starting with {@code >} makes its column right-aligned (numbers, sizes). */
    Table(String... headers) {
        this.headers = new String[headers.length];
        this.right = new boolean[headers.length];
        for (int i = 0; i < headers.length; i++) {
            right[i] = headers[i].startsWith(">");
            this.headers[i] = right[i] ? headers[i].substring(1) : headers[i];
        }
    }

    Table row(String... cells) {
        if (cells.length != headers.length) {
            throw new IllegalArgumentException("row has " + cells.length + " cells, table has " + headers.length);
        }
        String[] copy = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            copy[i] = cells[i] == null || cells[i].isEmpty() ? NONE : oneLine(cells[i]);
        }
        rows.add(copy);
        return this;
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    /** The table with a header line, each line starting with {@code indent}. */
    String render(String indent) {
        int[] width = new int[headers.length];
        for (int i = 0; i < headers.length; i++) {
            width[i] = headers[i].length();
        }
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        line(out, indent, headers, width);
        for (String[] row : rows) {
            line(out, indent, row, width);
        }
        return out.toString();
    }

    private void line(StringBuilder out, String indent, String[] cells, int[] width) {
        int start = out.length();
        out.append(indent);
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) {
                out.append("  ");
            }
            boolean last = i == cells.length - 1;
            int pad = width[i] - cells[i].length();
            if (right[i]) {
                spaces(out, pad);
                out.append(cells[i]);
            } else {
                out.append(cells[i]);
                if (!last) {
                    spaces(out, pad);
                }
            }
        }
        int end = out.length();
        while (end > start && out.charAt(end - 1) == ' ') {
            end--;
        }
        out.setLength(end);
        out.append('\n');
    }

    static void spaces(StringBuilder out, int count) {
        for (int i = 0; i < count; i++) {
            out.append(' ');
        }
    }

    /** Text from the daemon shown in a cell or line: control characters would break the layout. */
    static String oneLine(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < 0x20) {
                StringBuilder out = new StringBuilder(s.length());
                for (int k = 0; k < s.length(); k++) {
                    char c = s.charAt(k);
                    out.append(c < 0x20 ? ' ' : c);
                }
                return out.toString();
            }
        }
        return s;
    }

    // ---- formats ----

    /** {@code 512 B}, {@code 1.5 GiB}; negative (unknown) is {@code -}. */
    static String size(long bytes) {
        if (bytes < 0) {
            return NONE;
        }
        if (bytes < 1024) {
            return bytes + " B";
        }
        int unit = 0;
        double value = bytes;
        while (value >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        long tenths = Math.round(value * 10);
        if (tenths >= 10240 && unit < UNITS.length - 1) {
            tenths = Math.round(value * 10 / 1024);
            unit++;
        }
        return tenths / 10 + "." + tenths % 10 + " " + UNITS[unit];
    }

    static String rate(double bytesPerSecond) {
        return size(Math.round(bytesPerSecond)) + "/s";
    }

    /** {@code 0:04}, {@code 12:30}, {@code 2:05:09}. */
    static String duration(long seconds) {
        if (seconds < 0) {
            return NONE;
        }
        long h = seconds / 3600;
        long m = seconds / 60 % 60;
        long s = seconds % 60;
        StringBuilder out = new StringBuilder();
        if (h > 0) {
            out.append(h).append(':');
            two(out, m);
        } else {
            out.append(m);
        }
        out.append(':');
        two(out, s);
        return out.toString();
    }

    /**
     * An ISO-8601 instant from the daemon ({@code 2025-06-01T02:00:00Z}, or with an offset or
     * fraction) as local time in {@code zone}, to the second: {@code 2025-06-01T04:00:00}.
     * Parsed by hand: java.time's formatters cost tens of milliseconds to load. Text that is
     * not such a time is returned as it is.
     */
    static String time(String iso, ZoneId zone) {
        if (iso == null || iso.isEmpty()) {
            return NONE;
        }
        try {
            if (iso.length() < 19 || iso.charAt(4) != '-' || iso.charAt(7) != '-'
                    || (iso.charAt(10) != 'T' && iso.charAt(10) != 't' && iso.charAt(10) != ' ')
                    || iso.charAt(13) != ':' || iso.charAt(16) != ':') {
                return iso;
            }
            int year = digits(iso, 0, 4);
            int month = digits(iso, 5, 2);
            int day = digits(iso, 8, 2);
            int hour = digits(iso, 11, 2);
            int minute = digits(iso, 14, 2);
            int second = digits(iso, 17, 2);
            int i = 19;
            if (i < iso.length() && iso.charAt(i) == '.') {
                i++;
                while (i < iso.length() && Character.isDigit(iso.charAt(i))) {
                    i++;
                }
            }
            LocalDateTime local;
            if (i == iso.length()) {
                // No offset: the daemon meant local time already.
                local = LocalDateTime.of(year, month, day, hour, minute, second);
            } else {
                int offset = offsetSeconds(iso, i);
                long epoch = LocalDate.of(year, month, day).toEpochDay() * 86400
                        + hour * 3600L + minute * 60L + second - offset;
                local = LocalDateTime.ofEpochSecond(epoch, 0,
                        zone.getRules().getOffset(Instant.ofEpochSecond(epoch)));
            }
            StringBuilder out = new StringBuilder(19);
            out.append(local.getYear()).append('-');
            two(out, local.getMonthValue());
            out.append('-');
            two(out, local.getDayOfMonth());
            out.append('T');
            two(out, local.getHour());
            out.append(':');
            two(out, local.getMinute());
            out.append(':');
            two(out, local.getSecond());
            return out.toString();
        } catch (NumberFormatException | DateTimeException e) {
            return iso;
        }
    }

    private static int offsetSeconds(String iso, int i) {
        char sign = iso.charAt(i);
        if ((sign == 'Z' || sign == 'z') && i + 1 == iso.length()) {
            return 0;
        }
        if (sign != '+' && sign != '-') {
            throw new NumberFormatException(iso);
        }
        String rest = iso.substring(i + 1).replace(":", "");
        if (rest.length() != 2 && rest.length() != 4) {
            throw new NumberFormatException(iso);
        }
        int hours = digits(rest, 0, 2);
        int minutes = rest.length() == 4 ? digits(rest, 2, 2) : 0;
        int seconds = hours * 3600 + minutes * 60;
        return sign == '-' ? -seconds : seconds;
    }

    private static int digits(String s, int from, int count) {
        int value = 0;
        for (int i = from; i < from + count; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                throw new NumberFormatException(s);
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    private static void two(StringBuilder out, long value) {
        if (value < 10) {
            out.append('0');
        }
        out.append(value);
    }
}
