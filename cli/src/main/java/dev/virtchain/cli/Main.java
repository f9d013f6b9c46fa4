package dev.virtchain.cli;

import dev.virtchain.cli.CommandLine.Invocation;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneId;

/**
 * {@code virtchain}: parses the command line, sends one request to virtchaind, shows progress
 * and the result. Exit status: 0 success, 1 the operation failed, 2 usage error, 3 virtchaind
 * unreachable, or silent past {@code --timeout}.
 */
public final class Main {
    static final String DEFAULT_SOCKET = "/run/virtchain/virtchain.sock";
    static final String SOCKET_VARIABLE = "VIRTCHAIN_SOCKET";
    /** How long the daemon may stay silent before its first answer: its queue tells a waiting request BUSY sooner. */
    static final int DEFAULT_TIMEOUT_SECONDS = 30;

    private final PrintStream out;
    private final PrintStream err;
    private final String socketVariable;
    private final boolean terminal;
    private final Clock clock;
    private final ZoneId zone;
    private final Path workingDirectory;

    /**
     * @param socketVariable the value of {@code VIRTCHAIN_SOCKET}, or null
     * @param terminal       whether a person is watching (draw a progress bar)
     * @param zone           the zone for local times; null for the system's
     */
    Main(PrintStream out, PrintStream err, String socketVariable, boolean terminal, Clock clock, ZoneId zone,
         Path workingDirectory) {
        this.out = out;
        this.err = err;
        this.socketVariable = socketVariable;
        this.terminal = terminal;
        this.clock = clock;
        this.zone = zone;
        this.workingDirectory = workingDirectory;
    }

    public static void main(String[] args) {
        // UTF-8 whatever the locale: names and messages from the daemon may not be ASCII.
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        int status = new Main(out, err, System.getenv(SOCKET_VARIABLE), System.console() != null,
                Clock.systemUTC(), null, Path.of(System.getProperty("user.dir"))).run(args);
        out.flush();
        err.flush();
        System.exit(status);
    }

    /** Runs one command line and returns the exit status. */
    int run(String[] args) {
        Invocation invocation;
        Path socket;
        try {
            invocation = CommandLine.parse(args, workingDirectory);
            socket = socketPath(invocation);
        } catch (Failure usage) {
            err.print("error: " + usage.getMessage() + "\n" + Manual.usageHint(usage.command()));
            err.flush();
            return usage.status();
        }
        if (invocation.help()) {
            out.print(invocation.command() == null ? Manual.overview() : Manual.help(invocation.command()));
            out.flush();
            return 0;
        }

        ProgressView progress = invocation.quiet() ? null : new ProgressView(err, terminal, clock);
        Object result;
        try {
            Integer timeout = invocation.timeoutSeconds();
            result = new ControlSocket(socket, timeout == null ? DEFAULT_TIMEOUT_SECONDS : timeout, timeout != null)
                    .call(invocation.command().name(), invocation.args(), progress);
        } catch (Failure failure) {
            if (progress != null) {
                progress.finish();
            }
            err.println("error: " + failure.getMessage());
            if (invocation.json() && failure.error() != null) {
                out.println(Json.pretty(failure.error()));
                out.flush();
            }
            return failure.status();
        }
        if (progress != null) {
            progress.finish();
        }
        if (!invocation.quiet()) {
            out.print(invocation.json() ? Json.pretty(result) + "\n"
                    : new Views(zone).render(invocation.command(), invocation.args(), result));
            out.flush();
        }
        return 0;
    }

    private Path socketPath(Invocation invocation) throws Failure {
        String path = invocation.socket();
        String source = "--socket";
        if (path == null && socketVariable != null && !socketVariable.isEmpty()) {
            path = socketVariable;
            source = SOCKET_VARIABLE;
        }
        if (path == null) {
            path = DEFAULT_SOCKET;
        }
        try {
            return workingDirectory.resolve(path);
        } catch (InvalidPathException e) {
            throw Failure.usage(source + " is not a usable path: " + e.getMessage(), null);
        }
    }
}
