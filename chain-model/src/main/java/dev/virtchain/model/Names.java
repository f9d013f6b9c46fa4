package dev.virtchain.model;

/**
 * The naming rule for snapshots, domains, disk targets, policies and hold tags.
 *
 * <p>A name is 1 to 128 characters from {@code A-Z a-z 0-9 . _ : + -} and does not start with
 * {@code '.'} or {@code '-'}. Names end up in file names, command lines and journal records, so
 * the rule leaves out '/', whitespace, control characters and anything a shell would interpret;
 * not starting with '.' or '-' keeps {@code ..} and option look-alikes out. The underscore is
 * allowed because libvirt domain names commonly use it.
 *
 * <p>The colon is allowed, and kept safe where it could mean something else: QEMU reads
 * {@code proto:} at the start of an image name as a protocol prefix, so a relative backing name
 * {@code a:b.vda.qcow2} would be taken for protocol {@code a}. An image's file name starts with
 * its domain's or snapshot's name, so virtchain never hands qemu-img such a name bare: the
 * backing names it writes are made unambiguous (an absolute path, or a relative one starting with
 * {@code ./}, in which a colon is just a character) by the qemu-img adapter, and backing names
 * read from images are resolved against the image's directory as files, never as protocols.
 * Everywhere else a name goes (file names, libvirt XML written with Jackson, argument lists,
 * ledger attributes) the colon is an ordinary character.
 *
 * <p>Names are checked here; free text a client stores (descriptions) follows {@link Text}.
 */
public final class Names {
    /** The longest valid name. */
    public static final int MAX_LENGTH = 128;

    static final String RULE = "use 1-" + MAX_LENGTH
            + " characters from A-Z a-z 0-9 . _ : + - not starting with '.' or '-'";

    private Names() {
    }

    /** Whether {@code name} follows the rule. */
    public static boolean isValid(String name) {
        return problem(name) == null;
    }

    /**
     * Returns {@code name} if valid.
     *
     * @param kind   what is named, for the message ("snapshot", "domain", "disk target")
     * @param domain the domain the name belongs to, or null
     * @throws InvalidName saying what is wrong with it
     */
    public static String requireValid(String kind, String name, String domain) {
        String problem = problem(name);
        if (problem != null) {
            throw new InvalidName(kind, name, problem, domain);
        }
        return name;
    }

    /** What is wrong with {@code name}, or null. */
    static String problem(String name) {
        if (name == null) {
            return "it is missing";
        }
        if (name.isEmpty()) {
            return "it is empty";
        }
        if (name.length() > MAX_LENGTH) {
            return "it is " + name.length() + " characters long (at most " + MAX_LENGTH + ")";
        }
        char first = name.charAt(0);
        if (first == '.' || first == '-') {
            return "it starts with '" + first + "'";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == ':' || c == '+' || c == '-';
            if (!ok) {
                return "it contains " + describe(c) + " at position " + (i + 1);
            }
        }
        return null;
    }

    private static String describe(char c) {
        if (c >= 0x21 && c < 0x7f) {
            return "'" + c + "'";
        }
        return String.format("the character U+%04X", (int) c);
    }

    /** A name for a message: quoted, control characters escaped, long names cut. */
    static String quote(String name) {
        if (name == null) {
            return "(none)";
        }
        StringBuilder sb = new StringBuilder("\"");
        int limit = Math.min(name.length(), 40);
        for (int i = 0; i < limit; i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        if (name.length() > limit) {
            sb.append("...");
        }
        return sb.append('"').toString();
    }
}
