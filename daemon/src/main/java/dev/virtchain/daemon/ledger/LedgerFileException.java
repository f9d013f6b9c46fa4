package dev.virtchain.daemon.ledger;

/**
 * A ledger file that cannot be read or written; names the file and says which kind of trouble it
 * is, because the store answers them differently: a damaged file is replaced by the previous
 * generation, a file from a newer virtchaind is never second-guessed.
 */
public final class LedgerFileException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What is wrong with the file. */
    public enum Kind {
        /** Torn, flipped, truncated or otherwise not what was written: the previous generation may stand in. */
        DAMAGED,
        /** A format version or schema this virtchaind does not know: written by a newer one. */
        NEWER,
        /** The file or its directory could not be read, listed or written. */
        IO
    }

    private final String file;
    private final Kind kind;

    public LedgerFileException(String file, String problem) {
        this(Kind.IO, file, problem, null);
    }

    public LedgerFileException(String file, String problem, Throwable cause) {
        this(Kind.IO, file, problem, cause);
    }

    public LedgerFileException(Kind kind, String file, String problem, Throwable cause) {
        super("ledger file " + file + ": " + problem, cause);
        this.file = file;
        this.kind = kind;
    }

    public String file() {
        return file;
    }

    public Kind kind() {
        return kind;
    }
}
