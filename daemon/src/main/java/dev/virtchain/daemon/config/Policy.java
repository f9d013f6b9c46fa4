package dev.virtchain.daemon.config;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A snapshot policy: which domains it covers (a glob over domain names), when it takes a
 * snapshot, whether it quiesces, what it keeps, and how deep a chain may grow before it merges.
 *
 * @param maxDepth the longest backing chain (images, active included) the policy lets a disk
 *                 reach before it merges the oldest snapshots away; 0 leaves depth to retention
 */
public record Policy(String name, DomainPattern match, CronSchedule schedule, Quiesce quiesce,
                     Retention retention, int maxDepth) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    public Policy {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(match, "match");
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(quiesce, "quiesce");
        Objects.requireNonNull(retention, "retention");
        if (!isValidName(name)) {
            throw new ConfigInvalid(null, "policy name '" + name
                    + "' must start with a letter or digit and use only letters, digits, '.', '_' and '-'");
        }
        if (maxDepth < 0) {
            throw new ConfigInvalid("max-depth", "max-depth was " + maxDepth + ", must be 0 or more");
        }
    }

    /** Policy names appear in file names and log lines, so they are kept to a safe alphabet. */
    public static boolean isValidName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    public boolean covers(String domainName) {
        return match.matches(domainName);
    }
}
