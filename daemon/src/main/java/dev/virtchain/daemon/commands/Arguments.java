package dev.virtchain.daemon.commands;

import dev.virtchain.daemon.control.CommandArgs;
import dev.virtchain.daemon.control.CommandFailure;
import java.nio.file.Path;
import java.util.OptionalLong;

/** Checks for the arguments several commands share: bandwidths, counts, destination paths. */
final class Arguments {
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
        if (raw.isEmpty() || raw.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw CommandFailure.invalidArgument("argument '" + name + "' must be an absolute file path without"
                    + " control characters");
        }
        Path p = Path.of(raw);
        if (!p.isAbsolute() || !p.normalize().equals(p) || raw.endsWith("/") || p.getFileName() == null) {
            throw CommandFailure.invalidArgument("argument '" + name + "' must be a normalised absolute file path"
                    + " such as /var/lib/libvirt/images/copy.qcow2, not '" + raw + "'").withFile(raw);
        }
        return p;
    }
}
