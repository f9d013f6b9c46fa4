package dev.virtchain.model.retention;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Compact notation for retention tests, so a test reads as a table.
 *
 * <p>A snapshot is written {@code [name@]time[ held]}: time is a local time in the test's zone
 * ({@code 2026-11-20T10:00}) or, where a DST change makes it ambiguous, a time with its offset
 * ({@code 2026-10-25T02:15+01:00}); the name defaults to the time as written.
 */
final class RetentionFixture {

    static final ZoneId UTC = ZoneId.of("UTC");
    static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    private RetentionFixture() {
    }

    static List<RetentionCandidate> snapshots(ZoneId zone, String... specs) {
        List<RetentionCandidate> out = new ArrayList<>();
        for (String spec : specs) {
            String s = spec.strip();
            boolean held = s.endsWith(" held");
            if (held) {
                s = s.substring(0, s.length() - " held".length()).strip();
            }
            int at = s.indexOf('@');
            String time = at < 0 ? s : s.substring(at + 1);
            String name = at < 0 ? s : s.substring(0, at);
            out.add(new RetentionCandidate(name, instant(zone, time), held));
        }
        return out;
    }

    private static Instant instant(ZoneId zone, String time) {
        try {
            return OffsetDateTime.parse(time).toInstant();
        } catch (DateTimeParseException noOffset) {
            // A local time in a DST gap or overlap would silently move or pick an offset;
            // a test must say which instant it means.
            LocalDateTime local = LocalDateTime.parse(time);
            if (zone.getRules().getValidOffsets(local).size() != 1) {
                throw new IllegalArgumentException(time + " is not one instant in " + zone + "; give its offset");
            }
            return local.atZone(zone).toInstant();
        }
    }

    /**
     * A policy written as {@code "last=3 daily=7 maxDepth=10"}; rules not named are off.
     */
    static RetentionPolicy policy(String spec) {
        Map<String, Integer> v = new TreeMap<>();
        if (!spec.isBlank()) {
            for (String part : spec.trim().split("\\s+")) {
                String[] kv = part.split("=", 2);
                if (kv.length != 2 || v.put(kv[0], Integer.parseInt(kv[1])) != null) {
                    throw new IllegalArgumentException("bad policy spec part '" + part + "' in '" + spec + "'");
                }
            }
        }
        RetentionPolicy p = new RetentionPolicy(
                v.getOrDefault("last", 0), v.getOrDefault("hourly", 0), v.getOrDefault("daily", 0),
                v.getOrDefault("weekly", 0), v.getOrDefault("monthly", 0), v.getOrDefault("yearly", 0),
                v.getOrDefault("maxDepth", 0));
        v.keySet().removeAll(List.of("last", "hourly", "daily", "weekly", "monthly", "yearly", "maxDepth"));
        if (!v.isEmpty()) {
            throw new IllegalArgumentException("unknown policy keys " + v.keySet() + " in '" + spec + "'");
        }
        return p;
    }

    static List<String> kept(RetentionDecision d) {
        return d.kept().stream().map(RetentionCandidate::name).toList();
    }

    static List<String> deleted(RetentionDecision d) {
        return d.toDelete().stream().map(RetentionCandidate::name).toList();
    }

    /** The reasons of one snapshot as the CLI would show them. */
    static List<String> reasons(RetentionDecision d, String name) {
        return d.verdicts().stream()
                .filter(v -> v.candidate().name().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no verdict for " + name + " in " + d.verdicts()))
                .reasons().stream().map(Object::toString).toList();
    }
}
