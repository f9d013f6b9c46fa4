package dev.virtchain.daemon.commands;

import dev.virtchain.daemon.control.CommandArgs;
import dev.virtchain.daemon.control.CommandFailure;
import dev.virtchain.model.Text;
import java.nio.file.Path;
import java.util.OptionalLong;

/** Checks for the arguments several commands share: bandwidths, counts, destination paths. */
final class Arguments {
    /** PATH_MAX. */
    private static final int MAX_PATH = 4096;

    private Arguments() {}

    /** {@code bandwidth} in MiB/s, at least 1; 0 when absent (the daemon's configured limit applies). */
    static long bandwidth(CommandArgs args) throws CommandFailure {
        OptionalLong v = args.optionalNumber("bandwidth");
        if (v.isPresent() && v.getAsLong() < 1) {
            throw CommandFailure.invalidArgument("argument 'bandwidth' is in MiB/s and must be 1 or more, not "
                    + v.getAsLong() + "; leave it out for the daemon's configured limit");
        }
        return v.orElse(0);
    }

    /** A count that must be at least {@code min}, or empty. */
    static OptionalLong atLeast(CommandArgs args, String name, long min, long max) throws CommandFailure {
        OptionalLong v = args.optionalNumber(name);
        if (v.isPresent() && (v.getAsLong() < min || v.getAsLong() > max)) {
            throw CommandFailure.invalidArgument("argument '" + name + "' must be between " + min + " and " + max
                    + ", not " + v.getAsLong());
        }
        return v;
    }

    /**
     * A destination file: absolute, normalised, a plain file name at the end. The client makes it
     * absolute against its working directory; the daemon's own working directory means nothing to
     * the user, so a relative path is refused rather than guessed at.
     */
    static Path destination(CommandArgs args, String name) throws CommandFailure {
        String raw = args.requiredString(name);
        // A path is stored in the ledger's operation record: the same printable rule as any stored text.
        if (raw.isEmpty() || !Text.isPrintable(raw, MAX_PATH)) {
            throw CommandFailure.invalidArgument("argument '" + name + "' must be an absolute file path of at most "
                    + MAX_PATH + " printable characters (no control, format or noncharacters, no lone surrogates),"
                    + " not '" + Text.escape(raw) + "'");
        }
        Path p = Path.of(raw);
        if (!p.isAbsolute() || !p.normalize().equals(p) || raw.endsWith("/") || p.getFileName() == null) {
            throw CommandFailure.invalidArgument("argument '" + name + "' must be a normalised absolute file path"
                    + " such as /var/lib/libvirt/images/copy.qcow2, not '" + raw + "'").withFile(raw);
        }
        return p;
    }
}
