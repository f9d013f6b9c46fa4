package dev.virtchain.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.libvirt.Connect;
import org.libvirt.LibvirtException;

/**
 * Which hypervisor the integration tests drive, and how to reach its libvirtd.
 *
 * <p>{@code scripts/test} runs the integration tests once per hypervisor ("leg"): the host's own
 * libvirtd ({@code qemu:///system}; Debian 12: libvirt 9.0, QEMU 7.2), and a Debian 13 root
 * ({@code scripts/trixie-root}: libvirt 11.3, QEMU 10.0) whose libvirtd runs in a chroot beside
 * the host's. Two environment variables say which (a system property of the same name in lower
 * case with dots, e.g. {@code -Dvirtchain.test.uri=…}, wins over the variable):
 * <ul>
 *   <li>{@value #URI_VARIABLE}: the connection URI; unset, {@code qemu:///system}.</li>
 *   <li>{@value #ROOT_VARIABLE}: the root directory the libvirtd runs in; unset, {@code /}. Its
 *       pidfile is {@code ROOT/run/libvirtd.pid}, and it is started again with
 *       {@code chroot ROOT libvirtd -d}.</li>
 * </ul>
 *
 * <p>With two libvirtds on one machine, a libvirtd is never found by its name: a test that stops
 * one reads the pid from the pidfile of the one under test and checks that this process runs in
 * the expected root.
 */
public final class LibvirtdUnderTest {
    public static final String URI_VARIABLE = "VIRTCHAIN_TEST_URI";
    public static final String ROOT_VARIABLE = "VIRTCHAIN_TEST_ROOT";
    public static final String DEFAULT_URI = "qemu:///system";

    /**
     * How long libvirtd may take to exit on SIGTERM. libvirt 9.0 exits within a second or two.
     * libvirt 11.3 took 1.4–1.9 s in the restart tests here, but was also seen taking ~20 s on
     * this kind of machine: the wait is generous, and the restart tests print the time they
     * measured.
     */
    public static final Duration EXIT_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(30);

    private LibvirtdUnderTest() {}

    public static String uri() {
        return setting(URI_VARIABLE).orElse(DEFAULT_URI);
    }

    /** The root directory the libvirtd under test runs in: {@code /} for the host's own. */
    public static Path root() {
        return setting(ROOT_VARIABLE).map(Path::of).orElse(Path.of("/"));
    }

    /** Where the libvirtd under test writes its pid. */
    public static Path pidfile() {
        return root().resolve("run/libvirtd.pid");
    }

    private static Optional<String> setting(String variable) {
        String property = System.getProperty(variable.toLowerCase(Locale.ROOT).replace('_', '.'));
        if (property != null && !property.isBlank()) {
            return Optional.of(property.strip());
        }
        String env = System.getenv(variable);
        return env == null || env.isBlank() ? Optional.empty() : Optional.of(env.strip());
    }

    /**
     * The pid of the libvirtd under test, from its pidfile; fails unless that process is alive,
     * is a libvirtd and runs in {@link #root()}, so a stale pidfile never aims a signal at the
     * wrong process.
     */
    public static long pid() {
        Path pidfile = pidfile();
        long pid;
        try {
            pid = Long.parseLong(Files.readString(pidfile).strip());
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException("cannot read the pid of the libvirtd under test (" + uri() + ") from "
                    + pidfile + ": " + e.getMessage() + "; is it running? scripts/test starts it", e);
        }
        Path proc = Path.of("/proc", Long.toString(pid));
        try {
            String comm = Files.readString(proc.resolve("comm")).strip();
            Path itsRoot = Files.readSymbolicLink(proc.resolve("root"));
            if (!comm.equals("libvirtd") || !itsRoot.equals(root())) {
                throw new IllegalStateException(pidfile + " names pid " + pid + ", which is " + comm + " in root "
                        + itsRoot + ", not the libvirtd in " + root() + " that " + uri() + " reaches");
            }
        } catch (IOException e) {
            throw new IllegalStateException(pidfile + " names pid " + pid + ", which is not running ("
                    + e.getMessage() + "); start the libvirtd under test again (scripts/test does)", e);
        }
        return pid;
    }

    /** The command that starts the libvirtd under test as a daemon; it writes {@link #pidfile()}. */
    public static List<String> startCommand() {
        if (root().equals(Path.of("/"))) {
            return List.of("libvirtd", "-d");
        }
        // The same clean environment scripts/trixie-root starts it with.
        return List.of("chroot", root().toString(), "env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
                "LC_ALL=C.UTF-8", "/usr/sbin/libvirtd", "-d");
    }

    /**
     * Stops the libvirtd under test with SIGTERM (by the pid in its pidfile), waits until it is
     * gone, starts it again and waits until it answers. QEMU processes keep running meanwhile;
     * connections to it die. Returns how long libvirtd took to exit.
     */
    public static Duration restart() {
        return restart(() -> { });
    }

    /** As {@link #restart()}, running {@code whileDown} after libvirtd exited and before it starts again. */
    public static Duration restart(Runnable whileDown) {
        long pid = pid();
        ProcessHandle handle = ProcessHandle.of(pid).orElseThrow(
                () -> new IllegalStateException("libvirtd (pid " + pid + ") vanished before it was stopped"));
        Instant stopping = Instant.now();
        Duration exited;
        try {
            handle.destroy(); // SIGTERM
            try {
                handle.onExit().orTimeout(EXIT_TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof TimeoutException) {
                    throw new IllegalStateException("libvirtd (pid " + pid + ", " + uri() + ") did not exit within "
                            + EXIT_TIMEOUT + " of SIGTERM", e);
                }
                throw e;
            }
            exited = Duration.between(stopping, Instant.now());
            whileDown.run();
        } finally {
            Tools.run(startCommand());
        }
        awaitAnswer();
        return exited;
    }

    /** Waits until the libvirtd under test answers at {@link #uri()}. */
    public static void awaitAnswer() {
        Instant deadline = Instant.now().plus(ANSWER_TIMEOUT);
        LibvirtException last = null;
        while (Instant.now().isBefore(deadline)) {
            try {
                Connect probe = new Connect(uri(), true);
                probe.close();
                return;
            } catch (LibvirtException e) {
                last = e;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for libvirtd at " + uri(), e);
            }
        }
        throw new IllegalStateException("libvirtd did not answer at " + uri() + " within " + ANSWER_TIMEOUT
                + (last == null ? "" : ": " + last.getMessage()));
    }

    /** What the tests run against, as one line: the versions of libvirtd, QEMU, qemu-img and the client. */
    public static String describe(Connect conn) {
        List<String> parts = new ArrayList<>();
        try {
            parts.add("libvirt " + version(conn.getLibVersion()));
            parts.add("QEMU " + version(conn.getVersion()));
        } catch (LibvirtException e) {
            parts.add("versions unreadable: " + e.getMessage());
        }
        parts.add("qemu-img " + qemuImgVersion());
        parts.add("at " + uri());
        parts.add("root " + root());
        return String.join(", ", parts);
    }

    /** libvirt's encoding: major * 1,000,000 + minor * 1,000 + release. */
    public static String version(long encoded) {
        return (encoded / 1_000_000) + "." + (encoded / 1_000 % 1_000) + "." + (encoded % 1_000);
    }

    /** The version of the {@code qemu-img} on the PATH, the one the harness and the daemon run. */
    static String qemuImgVersion() {
        try {
            String first = Tools.run(List.of("qemu-img", "--version")).lines().findFirst().orElse("");
            // "qemu-img version 10.0.2 (Debian 1:10.0.2+ds-1)"
            String[] words = first.split(" ");
            return words.length >= 3 ? words[2] : first;
        } catch (IllegalStateException e) {
            return "unavailable (" + e.getMessage() + ")";
        }
    }

    /** The version {@code libvirtd --version} reports in the root under test, e.g. {@code 11.3.0}. */
    public static String installedVersion() {
        List<String> command = new ArrayList<>();
        if (!root().equals(Path.of("/"))) {
            command.addAll(List.of("chroot", root().toString()));
        }
        command.addAll(List.of(root().equals(Path.of("/")) ? "libvirtd" : "/usr/sbin/libvirtd", "--version"));
        String out = Tools.run(command).strip();
        return out.substring(out.lastIndexOf(' ') + 1);
    }
}
