package dev.virtchain.daemon.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The configuration file says something the daemon cannot use. The message starts with
 * {@code FILE:LINE:} so editors and operators can jump to it, then names the key (and the
 * policy, for policy sections) and what was wrong with the value.
 */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final int line;
    private final String key;
    private final String policy;

    public ConfigException(Path file, int line, String key, String policy, String problem, Throwable cause) {
        super(format(file, line, key, policy, problem), cause);
        this.file = file;
        this.line = line;
        this.key = key;
        this.policy = policy;
    }

    public ConfigException(Path file, int line, String key, String policy, String problem) {
        this(file, line, key, policy, problem, null);
    }

    private static String format(Path file, int line, String key, String policy, String problem) {
        StringBuilder s = new StringBuilder().append(file);
        if (line > 0) {
            s.append(':').append(line);
        }
        s.append(": ");
        if (policy != null) {
            s.append("policy '").append(policy).append("': ");
        }
        if (key != null) {
            s.append(key).append(": ");
        }
        return s.append(problem).toString();
    }

    public Path file() {
        return file;
    }

    /** 1-based line number; 0 when the problem is the file as a whole (missing, unreadable). */
    public int line() {
        return line;
    }

    public Optional<String> key() {
        return Optional.ofNullable(key);
    }

    public Optional<String> policy() {
        return Optional.ofNullable(policy);
    }
}
