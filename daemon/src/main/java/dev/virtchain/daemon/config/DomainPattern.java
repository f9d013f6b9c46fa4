package dev.virtchain.daemon.config;

import java.util.regex.Pattern;

/**
 * A shell-style glob over libvirt domain names: {@code *} any run of characters, {@code ?} one
 * character, {@code [abc]}, {@code [a-z]} and {@code [!abc]} one character from (or not from) a
 * set. Everything else matches itself. The whole name must match.
 *
 * <p>Written here rather than borrowed from {@code PathMatcher}, whose globs give {@code /},
 * {@code {a,b}} and {@code **} meanings a domain name has no use for.
 */
public record DomainPattern(String glob) {

    public DomainPattern {
        if (glob == null || glob.isEmpty()) {
            throw new ConfigInvalid(null, "pattern is empty");
        }
        compile(glob);
    }

    /**
     * The pattern that matches {@code domainName} and nothing else: a domain's own policy applies
     * to that domain, even when its name holds {@code *}, {@code ?} or {@code [}.
     */
    public static DomainPattern exactly(String domainName) {
        StringBuilder glob = new StringBuilder(domainName.length() + 8);
        for (char c : domainName.toCharArray()) {
            if (c == '*' || c == '?' || c == '[') {
                glob.append('[').append(c).append(']');
            } else {
                glob.append(c);
            }
        }
        return new DomainPattern(glob.toString());
    }

    public boolean matches(String domainName) {
        // Compiling per call keeps the record a plain value; patterns are few and names short.
        return compile(glob).matcher(domainName).matches();
    }

    private static Pattern compile(String glob) {
        StringBuilder regex = new StringBuilder();
        int i = 0;
        while (i < glob.length()) {
            char c = glob.charAt(i);
            switch (c) {
                case '*' -> regex.append(".*");
                case '?' -> regex.append('.');
                case '[' -> {
                    int close = glob.indexOf(']', i + 2);
                    if (close < 0) {
                        throw new ConfigInvalid(null, "'[' at position " + (i + 1) + " in '" + glob
                                + "' has no closing ']'");
                    }
                    String set = glob.substring(i + 1, close);
                    regex.append('[');
                    if (set.startsWith("!") || set.startsWith("^")) {
                        regex.append('^');
                        set = set.substring(1);
                    }
                    for (char s : set.toCharArray()) {
                        // Only '-' keeps its range meaning inside a set; quote the rest.
                        if (s == '-' || Character.isLetterOrDigit(s)) {
                            regex.append(s);
                        } else {
                            regex.append('\\').append(s);
                        }
                    }
                    regex.append(']');
                    i = close;
                }
                default -> regex.append(Pattern.quote(String.valueOf(c)));
            }
            i++;
        }
        try {
            return Pattern.compile(regex.toString());
        } catch (java.util.regex.PatternSyntaxException e) {
            throw new ConfigInvalid(null, "'" + glob + "' is not a valid pattern: " + e.getDescription(), e);
        }
    }

    @Override
    public String toString() {
        return glob;
    }
}
