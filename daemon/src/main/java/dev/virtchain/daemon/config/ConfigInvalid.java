package dev.virtchain.daemon.config;

import java.util.Optional;

/**
 * A setting's value the daemon cannot use, found where the value itself is checked: a parser of
 * one setting or the constructor of the record that holds it. Names the key when the check knows
 * it (a glob, say, does not know which of {@code match}, {@code manage-match} or
 * {@code manage-exclude} it came from: the caller does).
 *
 * <p>It never reaches the operator as it is: {@link ConfigFile} turns it into a
 * {@link ConfigException} naming the file, line and key, and {@link CommandLine} into a
 * {@link UsageException}. A value that fails a check here is the operator's mistake; an
 * {@link IllegalArgumentException} from the same code would be virtchain's.
 */
public final class ConfigInvalid extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String key;

    /**
     * @param key     the setting ({@code max-block-jobs}), or null when the caller knows it
     * @param problem what is wrong with the value, for a person
     */
    public ConfigInvalid(String key, String problem) {
        this(key, problem, null);
    }

    public ConfigInvalid(String key, String problem, Throwable cause) {
        super(problem, cause);
        this.key = key;
    }

    /** The setting whose value was refused, when the check knew it. */
    public Optional<String> key() {
        return Optional.ofNullable(key);
    }
}
