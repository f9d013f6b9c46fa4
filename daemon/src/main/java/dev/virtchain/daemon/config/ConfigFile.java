package dev.virtchain.daemon.config;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the operator's configuration file, an INI-like text edited by hand:
 *
 * <pre>
 * # a comment: '#' or ';' as the first non-blank character of a line
 * [daemon]
 * connect = qemu:///system
 * socket = /run/virtchain/virtchain.sock
 *
 * [policy nightly]
 * match = web-*
 * schedule = 30 2 * * *
 * keep-daily = 7
 * </pre>
 *
 * Comments take whole lines only: Quartz uses {@code #} inside day-of-week ({@code 6#3}), so a
 * trailing {@code #} cannot start a comment. Unknown sections and keys are errors, so that a
 * misspelt {@code keep-dialy} fails loudly instead of keeping nothing. Every error names the
 * file, line and key.
 */
public final class ConfigFile {

    private static final Pattern SECTION = Pattern.compile("\\[\\s*([A-Za-z]+)(?:\\s+(\\S+))?\\s*]");
    private static final Pattern ENTRY = Pattern.compile("([A-Za-z][A-Za-z0-9-]*)\\s*=\\s*(.*)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([KMGT]?)(i?B)?", Pattern.CASE_INSENSITIVE);

    private static final Set<String> DAEMON_KEYS = Set.of("connect", "socket", "socket-group", "state-dir",
            "max-block-jobs", "bandwidth", "min-free-space", "crash-at", "metrics-listen", "manage", "manage-match",
            "manage-exclude", "image-roots", "image-devices", "export-dirs", "copy-dirs", "agent-timeout");
    private static final Set<String> POLICY_KEYS = Set.of("match", "schedule", "quiesce", "keep-last",
            "keep-hourly", "keep-daily", "keep-weekly", "keep-monthly", "keep-yearly", "max-depth");

    private final Path file;

    private ConfigFile(Path file) {
        this.file = file;
    }

    /** Reads {@code file}; settings it leaves out keep their {@link DaemonConfig#defaults() defaults}. */
    public static DaemonConfig load(Path file) throws ConfigException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file, 0, null, null, "no such file", e);
        } catch (CharacterCodingException e) {
            throw new ConfigException(file, 0, null, null, "not UTF-8 text", e);
        } catch (IOException e) {
            throw new ConfigException(file, 0, null, null, "cannot read: " + e.getMessage(), e);
        }
        return parse(file, lines);
    }

    /** Parses lines already read; {@code file} is only used in error messages. */
    public static DaemonConfig parse(Path file, List<String> lines) throws ConfigException {
        return new ConfigFile(file).read(lines);
    }

    private DaemonConfig read(List<String> lines) throws ConfigException {
        Section daemon = null;
        List<Section> policies = new ArrayList<>();
        Section current = null;
        for (int i = 0; i < lines.size(); i++) {
            int lineNo = i + 1;
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.startsWith("[")) {
                Matcher m = SECTION.matcher(line);
                if (!m.matches()) {
                    throw error(lineNo, null, null, "expected a section header like [daemon] or [policy NAME], got '" + line + "'");
                }
                String kind = m.group(1).toLowerCase(Locale.ROOT);
                String name = m.group(2);
                if (kind.equals("daemon") && name == null) {
                    if (daemon != null) {
                        throw error(lineNo, null, null, "[daemon] appears twice; the first is on line " + daemon.line);
                    }
                    daemon = new Section(null, lineNo, DAEMON_KEYS);
                    current = daemon;
                } else if (kind.equals("policy") && name != null) {
                    if (!Policy.isValidName(name)) {
                        throw error(lineNo, null, name, "the name must start with a letter or digit and use only"
                                + " letters, digits, '.', '_' and '-'");
                    }
                    for (Section p : policies) {
                        if (p.policy.equals(name)) {
                            throw error(lineNo, null, name, "defined twice; the first is on line " + p.line);
                        }
                    }
                    current = new Section(name, lineNo, POLICY_KEYS);
                    policies.add(current);
                } else if (kind.equals("policy")) {
                    throw error(lineNo, null, null, "a policy section needs a name: [policy NAME]");
                } else {
                    throw error(lineNo, null, null, "unknown section '" + line + "'; expected [daemon] or [policy NAME]");
                }
                continue;
            }
            Matcher m = ENTRY.matcher(line);
            if (!m.matches()) {
                throw error(lineNo, null, current == null ? null : current.policy,
                        "expected 'key = value', got '" + line + "'");
            }
            if (current == null) {
                throw error(lineNo, m.group(1), null, "is outside any section; put it under [daemon] or [policy NAME]");
            }
            current.put(m.group(1).toLowerCase(Locale.ROOT), m.group(2).strip(), lineNo);
        }

        DaemonConfig defaults = DaemonConfig.defaults();
        List<Policy> built = new ArrayList<>();
        for (Section p : policies) {
            built.add(policy(p));
        }
        if (daemon == null) {
            daemon = new Section(null, 0, DAEMON_KEYS);
        }
        String connect = daemon.text("connect", defaults.connectUri());
        Path socket = absolutePath(daemon, "socket", defaults.socketPath());
        String problem = DaemonConfig.socketPathProblem(socket);
        if (problem != null) {
            throw error(daemon.lineOf("socket"), "socket", null, problem);
        }
        String group = daemon.text("socket-group", defaults.socketGroup());
        Path stateDir = absolutePath(daemon, "state-dir", defaults.stateDir());
        int maxJobs = (int) daemon.number("max-block-jobs", defaults.maxBlockJobs(), 1, 64);
        long bandwidth = daemon.number("bandwidth", 0, 0, 1L << 20);
        long minFree = size(daemon, "min-free-space", defaults.minFreeSpaceBytes());
        long agentTimeout = daemon.number("agent-timeout", defaults.agentTimeout().toSeconds(), 1, 300);
        String crashAt = daemon.optionalText("crash-at", "");
        Optional<MetricsListen> metrics;
        try {
            metrics = MetricsListen.parse(daemon.text("metrics-listen", MetricsListen.DEFAULT.toString()));
        } catch (ConfigInvalid e) {
            throw error(daemon.lineOf("metrics-listen"), "metrics-listen", null, e.getMessage());
        }
        DomainSelection manage = selection(daemon);
        DaemonConfig.Storage storage = new DaemonConfig.Storage(paths(daemon, "image-roots"),
                paths(daemon, "image-devices"), paths(daemon, "export-dirs"), paths(daemon, "copy-dirs"));
        try {
            return new DaemonConfig(connect, socket, group, stateDir, maxJobs, bandwidth, minFree, built, crashAt,
                    metrics, manage, storage, java.time.Duration.ofSeconds(agentTimeout));
        } catch (ConfigInvalid e) {
            // Every value was checked above with its line; this only catches a check added later.
            String key = e.key().orElse(null);
            throw new ConfigException(file, key == null ? daemon.line : daemon.lineOf(key), key, null, e.getMessage(), e);
        }
    }

    /** {@code manage}, {@code manage-match} and {@code manage-exclude}: globs separated by blanks. */
    private DomainSelection selection(Section daemon) throws ConfigException {
        DomainSelection.Mode mode;
        try {
            mode = DomainSelection.Mode.fromWord(daemon.text("manage", DomainSelection.Mode.ALL.word()));
        } catch (ConfigInvalid e) {
            throw error(daemon.lineOf("manage"), "manage", null, e.getMessage());
        }
        List<DomainPattern> match = patterns(daemon, "manage-match");
        List<DomainPattern> exclude = patterns(daemon, "manage-exclude");
        try {
            return new DomainSelection(mode, match, exclude);
        } catch (ConfigInvalid e) {
            String key = daemon.values.containsKey("manage-match") ? "manage-match" : "manage";
            throw error(daemon.lineOf(key), key, null, e.getMessage());
        }
    }

    private List<DomainPattern> patterns(Section s, String key) throws ConfigException {
        String text = s.optionalText(key, "");
        List<DomainPattern> out = new ArrayList<>();
        for (String glob : text.split("\\s+")) {
            if (glob.isEmpty()) {
                continue;
            }
            try {
                out.add(new DomainPattern(glob));
            } catch (ConfigInvalid e) {
                throw error(s.lineOf(key), key, null, e.getMessage());
            }
        }
        return out;
    }

    private Policy policy(Section s) throws ConfigException {
        String name = s.policy;
        DomainPattern match;
        String glob = s.required("match");
        try {
            match = new DomainPattern(glob);
        } catch (ConfigInvalid e) {
            throw error(s.lineOf("match"), "match", name, e.getMessage());
        }
        CronSchedule schedule;
        try {
            schedule = CronSchedule.parse(s.required("schedule"));
        } catch (InvalidCronException e) {
            throw new ConfigException(file, s.lineOf("schedule"), "schedule", name, e.getMessage(), e);
        }
        Quiesce quiesce;
        try {
            quiesce = Quiesce.fromWord(s.text("quiesce", Quiesce.AUTO.word()).toLowerCase(Locale.ROOT));
        } catch (ConfigInvalid e) {
            throw error(s.lineOf("quiesce"), "quiesce", name, e.getMessage());
        }
        int max = 100_000;
        int keepLast = (int) s.number("keep-last", 0, 0, max);
        int keepHourly = (int) s.number("keep-hourly", 0, 0, max);
        int keepDaily = (int) s.number("keep-daily", 0, 0, max);
        int keepWeekly = (int) s.number("keep-weekly", 0, 0, max);
        int keepMonthly = (int) s.number("keep-monthly", 0, 0, max);
        int keepYearly = (int) s.number("keep-yearly", 0, 0, max);
        int maxDepth = (int) s.number("max-depth", 0, 0, 10_000);
        try {
            Retention retention = new Retention(keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly);
            return new Policy(name, match, schedule, quiesce, retention, maxDepth);
        } catch (ConfigInvalid e) {
            // As for [daemon]: the values were checked above; this only catches a check added later.
            String key = e.key().orElse(null);
            throw new ConfigException(file, key == null ? s.line : s.lineOf(key), key, name, e.getMessage(), e);
        }
    }

    /** Whitespace-separated normalised absolute paths; none when the key is absent. */
    private List<Path> paths(Section s, String key) throws ConfigException {
        String text = s.text(key, null);
        if (text == null || text.isBlank()) {
            return List.of();
        }
        List<Path> out = new ArrayList<>();
        for (String word : text.trim().split("\\s+")) {
            Path p;
            try {
                p = Path.of(word);
            } catch (java.nio.file.InvalidPathException e) {
                throw error(s.lineOf(key), key, null, "'" + word + "' is not a path: " + e.getReason());
            }
            if (!p.isAbsolute() || !p.normalize().equals(p) || p.getParent() == null) {
                throw error(s.lineOf(key), key, null, "'" + word + "' must be a normalised absolute directory below /,"
                        + " such as /var/lib/libvirt/images");
            }
            out.add(p);
        }
        return List.copyOf(out);
    }

    private Path absolutePath(Section s, String key, Path fallback) throws ConfigException {
        String text = s.text(key, null);
        if (text == null) {
            return fallback;
        }
        Path p;
        try {
            p = Path.of(text);
        } catch (java.nio.file.InvalidPathException e) {
            throw error(s.lineOf(key), key, s.policy, "'" + text + "' is not a path: " + e.getReason());
        }
        if (!p.isAbsolute()) {
            throw error(s.lineOf(key), key, s.policy, "'" + text + "' must be an absolute path");
        }
        return p.normalize();
    }

    /** Sizes are bytes with an optional binary unit: 512, 64K, 10MiB, 1G, 2TiB (K = 1024). */
    private long size(Section s, String key, long fallback) throws ConfigException {
        String text = s.text(key, null);
        if (text == null) {
            return fallback;
        }
        Matcher m = SIZE.matcher(text);
        if (!m.matches() || (m.group(2).isEmpty() && m.group(3) != null && m.group(3).length() > 1)) {
            throw error(s.lineOf(key), key, s.policy, "expected a size like 512M, 10GiB or 1073741824, got '" + text + "'");
        }
        int shift = switch (m.group(2).toUpperCase(Locale.ROOT)) {
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            case "T" -> 40;
            default -> 0;
        };
        try {
            long n = Long.parseLong(m.group(1));
            if (n > (Long.MAX_VALUE >> shift)) {
                throw new NumberFormatException();
            }
            return n << shift;
        } catch (NumberFormatException e) {
            throw error(s.lineOf(key), key, s.policy, "'" + text + "' is too large");
        }
    }

    private ConfigException error(int line, String key, String policy, String problem) {
        return new ConfigException(file, line, key, policy, problem);
    }

    /** One section's entries as written, each with its line for error messages. */
    private final class Section {
        final String policy;
        final int line;
        final Set<String> allowed;
        final Map<String, String> values = new LinkedHashMap<>();
        final Map<String, Integer> lines = new LinkedHashMap<>();

        Section(String policy, int line, Set<String> allowed) {
            this.policy = policy;
            this.line = line;
            this.allowed = allowed;
        }

        void put(String key, String value, int lineNo) throws ConfigException {
            if (!allowed.contains(key)) {
                throw error(lineNo, key, policy, "unknown key; expected one of " + String.join(", ",
                        allowed.stream().sorted().toList()));
            }
            Integer earlier = lines.get(key);
            if (earlier != null) {
                throw error(lineNo, key, policy, "set twice; the first is on line " + earlier);
            }
            values.put(key, value);
            lines.put(key, lineNo);
        }

        int lineOf(String key) {
            return lines.getOrDefault(key, line);
        }

        String required(String key) throws ConfigException {
            String v = text(key, null);
            if (v == null) {
                throw error(line, key, policy, "is required");
            }
            return v;
        }

        /** A value that may not be empty when present. */
        String text(String key, String fallback) throws ConfigException {
            String v = values.get(key);
            if (v == null) {
                return fallback;
            }
            if (v.isEmpty()) {
                throw error(lineOf(key), key, policy, "has no value");
            }
            return v;
        }

        /** A value where empty means "not set". */
        String optionalText(String key, String fallback) {
            String v = values.get(key);
            return v == null || v.isEmpty() ? fallback : v;
        }

        long number(String key, long fallback, long min, long max) throws ConfigException {
            String v = text(key, null);
            if (v == null) {
                return fallback;
            }
            long n;
            try {
                n = Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw error(lineOf(key), key, policy, "expected a whole number, got '" + v + "'");
            }
            if (n < min || n > max) {
                throw error(lineOf(key), key, policy, "must be between " + min + " and " + max + ", got " + n);
            }
            return n;
        }
    }
}
