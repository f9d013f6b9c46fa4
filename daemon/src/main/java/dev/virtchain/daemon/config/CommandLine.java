package dev.virtchain.daemon.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code virtchaind [--config FILE] [--connect URI] [--socket PATH] [--state-dir DIR]}, plus
 * {@code --check-config}, {@code --check-state}, {@code --help} and {@code --version}. Options given here override the
 * file. Both {@code --opt VALUE} and {@code --opt=VALUE} are accepted.
 */
public record CommandLine(Optional<Path> configFile, Optional<String> connectUri, Optional<Path> socketPath,
                          Optional<Path> stateDir, Action action) {

    /** What the invocation asks for. */
    public enum Action {
        RUN, CHECK_CONFIG, CHECK_STATE, HELP, VERSION
    }

    public static final String USAGE = String.join("\n",
            "usage: virtchaind [--config FILE] [--connect URI] [--socket PATH] [--state-dir DIR]",
            "       virtchaind --check-config [--config FILE]",
            "       virtchaind --check-state [--config FILE] [--state-dir DIR]",
            "",
            "Keeps libvirt/QEMU external snapshot chains: takes scheduled snapshots, merges and",
            "deletes them with block jobs, and answers the virtchain command on a Unix socket.",
            "",
            "  --config FILE     configuration file (default: none, built-in defaults)",
            "  --connect URI     libvirt connection URI (default: " + DaemonConfig.DEFAULT_CONNECT_URI + ")",
            "  --socket PATH     control socket (default: " + DaemonConfig.DEFAULT_SOCKET + ")",
            "  --state-dir DIR   ledger, journal and schedule records (default: " + DaemonConfig.DEFAULT_STATE_DIR + ")",
            "  --check-config    read the configuration, report problems, and exit",
            "  --check-state     print and verify every ledger of the state directory (format,",
            "                    checksum, both generations, invariants, operation in progress);",
            "                    read-only, safe beside a running daemon; exit 0 when all are good,",
            "                    1 otherwise",
            "  --help            show this text",
            "  --version         show the version",
            "");

    public static CommandLine parse(String... args) throws UsageException {
        Path config = null;
        String connect = null;
        Path socket = null;
        Path stateDir = null;
        Action action = Action.RUN;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = arg;
            String inline = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                inline = arg.substring(eq + 1);
            }
            switch (name) {
                case "-h", "--help" -> {
                    return new CommandLine(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                            Action.HELP);
                }
                case "--version" -> action = noValue(name, inline, Action.VERSION);
                case "--check-config" -> action = noValue(name, inline, Action.CHECK_CONFIG);
                case "--check-state" -> action = noValue(name, inline, Action.CHECK_STATE);
                case "--config", "--connect", "--socket", "--state-dir" -> {
                    String value = inline;
                    if (value == null) {
                        if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
                            throw new UsageException(name + " needs a value");
                        }
                        value = args[++i];
                    }
                    if (value.isEmpty()) {
                        throw new UsageException(name + " needs a value");
                    }
                    switch (name) {
                        case "--config" -> config = path(name, value);
                        case "--connect" -> connect = value;
                        case "--socket" -> socket = path(name, value);
                        default -> stateDir = path(name, value);
                    }
                }
                default -> throw new UsageException(arg.startsWith("-")
                        ? "unknown option '" + arg + "'"
                        : "unexpected argument '" + arg + "'; virtchaind takes options only");
            }
        }
        return new CommandLine(Optional.ofNullable(config), Optional.ofNullable(connect), Optional.ofNullable(socket),
                Optional.ofNullable(stateDir), action);
    }

    /** Loads the file (if any) and applies this command line's overrides to it. */
    public DaemonConfig resolve() throws ConfigException, UsageException {
        DaemonConfig config = configFile.isPresent() ? ConfigFile.load(configFile.get()) : DaemonConfig.defaults();
        try {
            if (connectUri.isPresent()) {
                config = config.withConnectUri(connectUri.get());
            }
            if (socketPath.isPresent()) {
                config = config.withSocketPath(socketPath.get());
            }
            if (stateDir.isPresent()) {
                config = config.withStateDir(stateDir.get());
            }
        } catch (ConfigInvalid e) {
            throw new UsageException(e.getMessage());
        }
        return config;
    }

    private static Action noValue(String name, String inline, Action action) throws UsageException {
        if (inline != null) {
            throw new UsageException(name + " takes no value");
        }
        return action;
    }

    /** Relative paths on the command line are taken from the working directory, as a shell user expects. */
    private static Path path(String option, String value) throws UsageException {
        try {
            return Path.of(value).toAbsolutePath().normalize();
        } catch (java.nio.file.InvalidPathException e) {
            throw new UsageException(option + ": '" + value + "' is not a path");
        }
    }
}
