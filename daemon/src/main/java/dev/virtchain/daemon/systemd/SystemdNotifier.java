package dev.virtchain.daemon.systemd;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * sd_notify(3) through libsystemd. Does nothing when the daemon was not started by systemd
 * ({@code NOTIFY_SOCKET} unset) or libsystemd is missing, so the same binary runs by hand,
 * in tests and under systemd.
 */
public final class SystemdNotifier implements Notifier {

    private static final Logger log = LoggerFactory.getLogger(SystemdNotifier.class);

    /** The one libsystemd function used. */
    interface LibSystemd extends Library {
        int sd_notify(int unsetEnvironment, String state);
    }

    private final LibSystemd lib;
    private final Optional<Duration> watchdogTimeout;

    private SystemdNotifier(LibSystemd lib, Optional<Duration> watchdogTimeout) {
        this.lib = lib;
        this.watchdogTimeout = watchdogTimeout;
    }

    /**
     * Reads {@code NOTIFY_SOCKET}, {@code WATCHDOG_USEC} and {@code WATCHDOG_PID} from
     * {@code environment} (the process environment in main); sd_notify itself reads the socket
     * from the real environment, which is the same one.
     */
    public static SystemdNotifier fromEnvironment(Map<String, String> environment, long pid) {
        if (environment.get("NOTIFY_SOCKET") == null) {
            return new SystemdNotifier(null, Optional.empty());
        }
        LibSystemd lib = load();
        return new SystemdNotifier(lib, lib == null ? Optional.empty() : watchdogTimeout(environment, pid));
    }

    private static LibSystemd load() {
        dev.virtchain.libvirt.NativeSearchPath.useKnownDirectories();
        // Debian ships only the versioned name without libsystemd-dev; try the soname as well.
        for (String name : new String[] {"systemd", "libsystemd.so.0"}) {
            try {
                return Native.load(name, LibSystemd.class);
            } catch (UnsatisfiedLinkError e) {
                log.debug("cannot load {}: {}", name, e.getMessage());
            }
        }
        log.warn("NOTIFY_SOCKET is set but libsystemd cannot be loaded; systemd will not hear that the daemon is ready");
        return null;
    }

    /** The watchdog timeout systemd asked for, if it asked this process. */
    static Optional<Duration> watchdogTimeout(Map<String, String> environment, long pid) {
        String usec = environment.get("WATCHDOG_USEC");
        if (usec == null) {
            return Optional.empty();
        }
        String forPid = environment.get("WATCHDOG_PID");
        if (forPid != null && !forPid.equals(Long.toString(pid))) {
            return Optional.empty(); // meant for a parent that exec'd us without clearing it
        }
        try {
            long micros = Long.parseLong(usec.strip());
            return micros > 0 ? Optional.of(Duration.ofNanos(micros * 1000)) : Optional.empty();
        } catch (NumberFormatException e) {
            log.warn("ignoring WATCHDOG_USEC={}: not a number", usec);
            return Optional.empty();
        }
    }

    public boolean enabled() {
        return lib != null;
    }

    /** Present when systemd expects keep-alives at least this often. */
    public Optional<Duration> watchdogTimeout() {
        return watchdogTimeout;
    }

    @Override
    public void send(String state) {
        if (lib == null) {
            return;
        }
        int rc = lib.sd_notify(0, state);
        if (rc < 0) {
            log.warn("sd_notify({}) failed: errno {}", state.replace('\n', ' '), -rc);
        }
    }
}
