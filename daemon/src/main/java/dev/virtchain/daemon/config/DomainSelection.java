package dev.virtchain.daemon.config;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Which of libvirt's domains this host's daemon manages ({@code manage}, {@code manage-match},
 * {@code manage-exclude} in {@code [daemon]}). A domain that is not managed is never adopted,
 * never touched by a command or a policy, and never counted in the metrics; {@code virtchain
 * domains} shows the reason either way ({@link #judge}).
 *
 * @param mode    which domains are candidates
 * @param match   for {@link Mode#MATCH}: the globs a candidate's name must match (one is enough)
 * @param exclude globs of names never managed, whatever the mode says
 */
public record DomainSelection(Mode mode, List<DomainPattern> match, List<DomainPattern> exclude) {

    /** The candidates. */
    public enum Mode {
        /** Every domain libvirt has (the default, as before the setting existed). */
        ALL("all"),
        /** Domains a policy applies to: a {@code [policy]} whose match covers the name, or the domain's own policy in its libvirt metadata. */
        POLICY("policy"),
        /** Domains whose names match one of {@code manage-match}. */
        MATCH("match");

        private final String word;

        Mode(String word) {
            this.word = word;
        }

        public String word() {
            return word;
        }

        public static Mode fromWord(String w) {
            for (Mode m : values()) {
                if (m.word.equals(w.toLowerCase(Locale.ROOT))) {
                    return m;
                }
            }
            throw new ConfigInvalid("manage", "expected all, policy or match, got '" + w + "'");
        }
    }

    /** Whether a domain is managed, and why, in a sentence for {@code virtchain domains}. */
    public record Verdict(boolean managed, String why) {
        public Verdict {
            Objects.requireNonNull(why, "why");
        }
    }

    public static final DomainSelection ALL = new DomainSelection(Mode.ALL, List.of(), List.of());

    public DomainSelection {
        Objects.requireNonNull(mode, "mode");
        match = List.copyOf(match);
        exclude = List.copyOf(exclude);
        if (mode == Mode.MATCH && match.isEmpty()) {
            throw new ConfigInvalid("manage-match", "manage = match needs manage-match with at least one pattern");
        }
        if (mode != Mode.MATCH && !match.isEmpty()) {
            throw new ConfigInvalid("manage-match", "manage-match is used only with manage = match (manage is "
                    + mode.word() + ")");
        }
    }

    /** Whether the answer can depend on a domain's libvirt metadata (then it must be read). */
    public boolean readsMetadata() {
        return mode == Mode.POLICY;
    }

    /**
     * Judges one domain.
     *
     * @param configured the configuration's policies
     * @param ownPolicy  whether the domain carries its own policy in its libvirt metadata (only
     *                   read when {@link #readsMetadata()})
     */
    public Verdict judge(String domain, List<Policy> configured, boolean ownPolicy) {
        for (DomainPattern p : exclude) {
            if (p.matches(domain)) {
                return new Verdict(false, "excluded by manage-exclude '" + p + "'");
            }
        }
        return switch (mode) {
            case ALL -> new Verdict(true, "manage = all");
            case MATCH -> {
                for (DomainPattern p : match) {
                    if (p.matches(domain)) {
                        yield new Verdict(true, "matches manage-match '" + p + "'");
                    }
                }
                yield new Verdict(false, "matches none of manage-match "
                        + match.stream().map(x -> "'" + x + "'").collect(Collectors.joining(", ")));
            }
            case POLICY -> {
                for (Policy p : configured) {
                    if (p.covers(domain)) {
                        yield new Verdict(true, "policy '" + p.name() + "' matches it (manage = policy)");
                    }
                }
                yield ownPolicy ? new Verdict(true, "it has its own policy in its libvirt metadata (manage = policy)")
                        : new Verdict(false, "no policy applies to it (manage = policy); a [policy] whose match"
                        + " covers it would make it managed");
            }
        };
    }
}
