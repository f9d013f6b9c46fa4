package dev.virtchain.daemon.config;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Everything the daemon is told by its operator, read once at start.
 *
 * @param connectUri             libvirt connection URI
 * @param socketPath             the control socket
 * @param socketGroup            the group allowed to use the control socket besides root
 * @param stateDir               where the ledger, journal and schedule records live
 * @param maxBlockJobs           block jobs allowed to run at once on this host
 * @param bandwidthMiBPerSecond  default speed limit for one block job; 0 = unlimited
 * @param minFreeSpaceBytes      free space an image's file system must keep after an operation
 * @param policies               snapshot policies, in file order
 * @param crashAt                test-only: the crash point that halts the process, or "" for none
 *                               (see {@code dev.virtchain.daemon.CrashPoints})
 * @param metricsListen          where the Prometheus endpoint listens; empty when it is off
 * @param manage                 which of libvirt's domains this daemon manages
 * @param storage                where images may live and where commands may write
 * @param agentTimeout           how long a quiesced snapshot waits for the guest agent (1–300 s)
 */
public record DaemonConfig(String connectUri, Path socketPath, String socketGroup, Path stateDir,
                           int maxBlockJobs, long bandwidthMiBPerSecond, long minFreeSpaceBytes,
                           List<Policy> policies, String crashAt, Optional<MetricsListen> metricsListen,
                           DomainSelection manage, Storage storage, java.time.Duration agentTimeout) {

    /** At most 10 s: the longest Windows VSS holds a freeze. */
    public static final java.time.Duration DEFAULT_AGENT_TIMEOUT = java.time.Duration.ofSeconds(10);

    /** With the agent time-out at its default. */
    public DaemonConfig(String connectUri, Path socketPath, String socketGroup, Path stateDir, int maxBlockJobs,
                        long bandwidthMiBPerSecond, long minFreeSpaceBytes, List<Policy> policies, String crashAt,
                        Optional<MetricsListen> metricsListen, DomainSelection manage, Storage storage) {
        this(connectUri, socketPath, socketGroup, stateDir, maxBlockJobs, bandwidthMiBPerSecond, minFreeSpaceBytes,
                policies, crashAt, metricsListen, manage, storage, DEFAULT_AGENT_TIMEOUT);
    }

    /**
     * The directories virtchain may touch. Empty lists mean the defaults: image roots are the
     * directories of each domain's disks as libvirt defines them (and of the images its ledger
     * already holds); exports go to {@code <state-dir>/exports}, copies to {@code <state-dir>/copies}.
     *
     * @param imageRoots   directories that may hold managed images ({@code image-roots})
     * @param imageDevices block devices that may be images ({@code image-devices})
     * @param exportDirs   where {@code export} may write ({@code export-dirs})
     * @param copyDirs     where {@code blockcopy} may write ({@code copy-dirs})
     */
    public record Storage(List<Path> imageRoots, List<Path> imageDevices, List<Path> exportDirs, List<Path> copyDirs) {
        public static final Storage DEFAULTS = new Storage(List.of(), List.of(), List.of(), List.of());

        public Storage {
            imageRoots = absolute("image-roots", imageRoots);
            imageDevices = absolute("image-devices", imageDevices);
            exportDirs = absolute("export-dirs", exportDirs);
            copyDirs = absolute("copy-dirs", copyDirs);
        }

        private static List<Path> absolute(String key, List<Path> paths) {
            for (Path p : paths) {
                if (!p.isAbsolute() || !p.normalize().equals(p)) {
                    throw new ConfigInvalid(key, key + ": '" + p + "' must be a normalised absolute path");
                }
            }
            return List.copyOf(paths);
        }
    }

    /** Where {@code export} may write: the configured directories, or {@code <state-dir>/exports}. */
    public List<Path> exportDirs() {
        return storage.exportDirs().isEmpty() ? List.of(stateDir.resolve("exports")) : storage.exportDirs();
    }

    /** Where {@code blockcopy} may write: the configured directories, or {@code <state-dir>/copies}. */
    public List<Path> copyDirs() {
        return storage.copyDirs().isEmpty() ? List.of(stateDir.resolve("copies")) : storage.copyDirs();
    }

    public static final String DEFAULT_CONNECT_URI = "qemu:///system";
    public static final Path DEFAULT_SOCKET = Path.of("/run/virtchain/virtchain.sock");
    public static final String DEFAULT_SOCKET_GROUP = "virtchain";
    public static final Path DEFAULT_STATE_DIR = Path.of("/var/lib/virtchain");
    public static final int DEFAULT_MAX_BLOCK_JOBS = 2;
    public static final long DEFAULT_MIN_FREE_SPACE_BYTES = 1L << 30;

    /** sockaddr_un.sun_path holds 108 bytes including the terminating NUL. */
    static final int MAX_SOCKET_PATH_BYTES = 107;

    public DaemonConfig {
        Objects.requireNonNull(connectUri, "connectUri");
        Objects.requireNonNull(socketPath, "socketPath");
        Objects.requireNonNull(socketGroup, "socketGroup");
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(crashAt, "crashAt");
        Objects.requireNonNull(metricsListen, "metricsListen");
        Objects.requireNonNull(manage, "manage");
        Objects.requireNonNull(storage, "storage");
        Objects.requireNonNull(agentTimeout, "agentTimeout");
        if (agentTimeout.toSeconds() < 1 || agentTimeout.toSeconds() > 300) {
            throw new ConfigInvalid("agent-timeout", "agent-timeout was " + agentTimeout.toSeconds() + " s, must be 1 to 300");
        }
        if (connectUri.isBlank()) {
            throw new ConfigInvalid("connect", "connect URI is empty");
        }
        String socketProblem = socketPathProblem(socketPath);
        if (socketProblem != null) {
            throw new ConfigInvalid("socket", socketProblem);
        }
        if (!stateDir.isAbsolute()) {
            throw new ConfigInvalid("state-dir", "state directory '" + stateDir + "' must be an absolute path");
        }
        if (socketGroup.isBlank() || socketGroup.contains(":") || socketGroup.chars().anyMatch(Character::isWhitespace)) {
            throw new ConfigInvalid("socket-group", "socket group '" + socketGroup + "' is not a group name");
        }
        if (maxBlockJobs < 1) {
            throw new ConfigInvalid("max-block-jobs", "max-block-jobs was " + maxBlockJobs + ", must be 1 or more");
        }
        if (bandwidthMiBPerSecond < 0) {
            throw new ConfigInvalid("bandwidth", "bandwidth was " + bandwidthMiBPerSecond + ", must be 0 (unlimited) or more");
        }
        if (minFreeSpaceBytes < 0) {
            throw new ConfigInvalid("min-free-space", "min-free-space was " + minFreeSpaceBytes + ", must be 0 or more");
        }
        policies = List.copyOf(policies);
        Set<String> names = new HashSet<>();
        for (Policy p : policies) {
            if (!names.add(p.name())) {
                throw new ConfigInvalid(null, "policy '" + p.name() + "' is defined twice");
            }
        }
    }

    /** Without the metrics and selection settings: the endpoint at its default, every domain managed. */
    public DaemonConfig(String connectUri, Path socketPath, String socketGroup, Path stateDir, int maxBlockJobs,
                        long bandwidthMiBPerSecond, long minFreeSpaceBytes, List<Policy> policies, String crashAt) {
        this(connectUri, socketPath, socketGroup, stateDir, maxBlockJobs, bandwidthMiBPerSecond, minFreeSpaceBytes,
                policies, crashAt, Optional.of(MetricsListen.DEFAULT), DomainSelection.ALL, Storage.DEFAULTS);
    }

    /** The configuration used when no file is given. */
    public static DaemonConfig defaults() {
        return new DaemonConfig(DEFAULT_CONNECT_URI, DEFAULT_SOCKET, DEFAULT_SOCKET_GROUP, DEFAULT_STATE_DIR,
                DEFAULT_MAX_BLOCK_JOBS, 0, DEFAULT_MIN_FREE_SPACE_BYTES, List.of(), "");
    }

    public DaemonConfig withConnectUri(String uri) {
        return new DaemonConfig(uri, socketPath, socketGroup, stateDir, maxBlockJobs, bandwidthMiBPerSecond,
                minFreeSpaceBytes, policies, crashAt, metricsListen, manage, storage);
    }

    public DaemonConfig withSocketPath(Path path) {
        return new DaemonConfig(connectUri, path, socketGroup, stateDir, maxBlockJobs, bandwidthMiBPerSecond,
                minFreeSpaceBytes, policies, crashAt, metricsListen, manage, storage);
    }

    public DaemonConfig withStateDir(Path dir) {
        return new DaemonConfig(connectUri, socketPath, socketGroup, dir, maxBlockJobs, bandwidthMiBPerSecond,
                minFreeSpaceBytes, policies, crashAt, metricsListen, manage, storage);
    }

    public DaemonConfig withCrashAt(String point) {
        return new DaemonConfig(connectUri, socketPath, socketGroup, stateDir, maxBlockJobs, bandwidthMiBPerSecond,
                minFreeSpaceBytes, policies, point, metricsListen, manage, storage);
    }

    public DaemonConfig withMetricsListen(Optional<MetricsListen> listen) {
        return new DaemonConfig(connectUri, socketPath, socketGroup, stateDir, maxBlockJobs, bandwidthMiBPerSecond,
                minFreeSpaceBytes, policies, crashAt, listen, manage, storage);
    }

    /** Why a path cannot be the control socket, or null when it can. */
    static String socketPathProblem(Path path) {
        if (!path.isAbsolute()) {
            return "socket path '" + path + "' must be an absolute path";
        }
        if (path.toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH_BYTES) {
            return "socket path '" + path + "' is longer than the " + MAX_SOCKET_PATH_BYTES
                    + " bytes a Unix socket address holds";
        }
        return null;
    }
}
