package dev.virtchain.model;

/**
 * The rule for free text a client stores (a snapshot's description, a policy's schedule), and
 * the escaping of client text before it is written to a log.
 *
 * <p>Stored text must be printable: a ledger holds it in XML, which cannot carry most control
 * characters or U+FFFE/U+FFFF at all (a ledger holding one could not be read back, and its
 * domain would be quarantined at the next start), and whatever is stored is later shown on an
 * operator's terminal, where a bidi override or a zero-width character hides what the text
 * really says. So text is refused, with the position and code point of the first offender, when
 * it holds:
 * <ul>
 * <li>a control character (Unicode category Cc: C0, DEL and C1; tab and newline too, text is one line);</li>
 * <li>a format character (Cf: bidi embeddings, overrides and isolates, zero-width joiners, BOM,
 *     soft hyphen);</li>
 * <li>a line or paragraph separator (U+2028, U+2029);</li>
 * <li>a lone surrogate (JSON's {@code \ud800} escape decodes into one; it cannot be encoded);</li>
 * <li>a noncharacter (U+FDD0..U+FDEF and the last two code points of every plane, U+FFFE,
 *     U+FFFF, U+1FFFE ... U+10FFFF);</li>
 * </ul>
 * or when it is longer than its bound, counted in code points. Everything else, including
 * letters of every script, emoji and private-use characters, is kept as given.
 */
public final class Text {

    /** The default bound for a stored text, in code points. */
    public static final int MAX_LENGTH = 1024;

    /** How much of a client-supplied value a log line shows. */
    public static final int LOG_LENGTH = 200;

    private Text() {
    }

    /**
     * Returns {@code text} if it follows the rule.
     *
     * @param field     what the text is, for the message ("description")
     * @param maxLength the bound, in code points
     * @param domain    the domain the text belongs to, or null
     * @param snapshot  the snapshot it belongs to, or null
     * @throws InvalidText naming the field, the position and the code point
     */
    public static String requirePrintable(String field, String text, int maxLength, String domain, String snapshot) {
        int count = text.codePointCount(0, text.length());
        if (count > maxLength) {
            throw new InvalidText(field, domain, snapshot, -1, -1,
                    "it is " + count + " characters long (at most " + maxLength + ")");
        }
        int position = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            position++;
            String problem = problem(cp);
            if (problem != null) {
                throw new InvalidText(field, domain, snapshot, position, cp, "it contains " + describe(cp)
                        + ", " + problem + ", at position " + position);
            }
            i += Character.charCount(cp);
        }
        return text;
    }

    /** Whether {@code text} is within {@code maxLength} code points and printable. */
    public static boolean isPrintable(String text, int maxLength) {
        if (text.codePointCount(0, text.length()) > maxLength) {
            return false;
        }
        return text.codePoints().allMatch(cp -> problem(cp) == null);
    }

    /**
     * Client text made safe for one log line: every character {@link #requirePrintable} would
     * refuse becomes {@code \n}, {@code \t}, {@code \r} or {@code \}{@code uXXXX} ({@code \}{@code
     * U+XXXXXX} beyond the BMP), a backslash is doubled so an escape cannot be forged, and text longer
     * than {@code maxLength} code points is cut, saying how much was left out. Null becomes
     * {@code (none)}.
     */
    public static String escape(String text, int maxLength) {
        if (text == null) {
            return "(none)";
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), maxLength) + 8);
        int shown = 0;
        int i = 0;
        while (i < text.length() && shown < maxLength) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            shown++;
            switch (cp) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (problem(cp) == null) {
                        out.appendCodePoint(cp);
                    } else if (cp <= 0xFFFF) {
                        out.append(String.format("\\u%04X", cp));
                    } else {
                        out.append(String.format("\\U+%06X", cp));
                    }
                }
            }
        }
        if (i < text.length()) {
            out.append("...(").append(text.codePointCount(i, text.length())).append(" more characters)");
        }
        return out.toString();
    }

    /** {@link #escape(String, int)} with the usual log bound. */
    public static String escape(String text) {
        return escape(text, LOG_LENGTH);
    }

    /** Why {@code cp} may not be stored, or null when it may. */
    static String problem(int cp) {
        if (isNoncharacter(cp)) {
            return "a noncharacter";
        }
        return switch (Character.getType(cp)) {
            case Character.CONTROL -> "a control character";
            case Character.FORMAT -> "a format character (such as a bidi override or a zero-width character)";
            case Character.SURROGATE -> "half of a surrogate pair without its other half";
            case Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> "a line break";
            default -> null;
        };
    }

    static boolean isNoncharacter(int cp) {
        return (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE;
    }

    private static String describe(int cp) {
        String name = Character.getName(cp);
        return String.format(cp <= 0xFFFF ? "U+%04X" : "U+%06X", cp) + (name == null ? "" : " (" + name + ")");
    }
}
