package dev.virtchain.daemon.ledger;

/** A ledger file that cannot be read or written; names the file. */
public final class LedgerFileException extends RuntimeException {
    private final String file;

    public LedgerFileException(String file, String problem) {
        super("ledger file " + file + ": " + problem);
        this.file = file;
    }

    public LedgerFileException(String file, String problem, Throwable cause) {
        super("ledger file " + file + ": " + problem, cause);
        this.file = file;
    }

    public String file() {
        return file;
    }
}
