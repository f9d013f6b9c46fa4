package dev.virtchain.model;

import java.util.OptionalInt;

/** Client text that breaks {@link Text}'s rule: a character that may not be stored, or too much of it. */
public final class InvalidText extends ChainException {
    private static final long serialVersionUID = 1L;

    private final String field;
    private final int position;
    private final int codePoint;

    InvalidText(String field, String domain, String snapshot, int position, int codePoint, String problem) {
        super("the " + field + (snapshot == null ? "" : " of snapshot " + snapshot)
                + (domain == null ? "" : " in domain " + domain) + " is refused: " + problem
                + "; use printable characters only, on one line, at most the stated length",
                domain, null, snapshot, null);
        this.field = field;
        this.position = position;
        this.codePoint = codePoint;
    }

    /** Which text was refused ("description"). */
    public String field() {
        return field;
    }

    /** The 1-based position, in code points, of the first character refused; empty when the text was too long. */
    public OptionalInt position() {
        return position < 0 ? OptionalInt.empty() : OptionalInt.of(position);
    }

    /** The code point refused; empty when the text was too long. */
    public OptionalInt codePoint() {
        return codePoint < 0 ? OptionalInt.empty() : OptionalInt.of(codePoint);
    }
}
