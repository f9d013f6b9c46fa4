package dev.virtchain.daemon;

import dev.virtchain.daemon.commands.PingCommand;
import dev.virtchain.daemon.commands.RunningJobs;
import dev.virtchain.daemon.commands.StatusCommand;
import dev.virtchain.daemon.config.CommandLine;
import dev.virtchain.daemon.config.ConfigException;
import dev.virtchain.daemon.config.DaemonConfig;
import dev.virtchain.daemon.config.Policy;
import dev.virtchain.daemon.config.UsageException;
import dev.virtchain.daemon.control.Commands;
import dev.virtchain.daemon.commands.RunningJob;
import dev.virtchain.daemon.commands.PolicySchedules;
import dev.virtchain.daemon.commands.SnapshotCommands;
import dev.virtchain.daemon.commands.StatusSources;
import dev.virtchain.daemon.schedule.AssignmentStatus;
import dev.virtchain.daemon.domains.DomainRoster;
import dev.virtchain.daemon.domains.ManagedDomains;
import dev.virtchain.daemon.domains.MetadataPolicies;
import dev.virtchain.daemon.metrics.BuildInfo;
import dev.virtchain.daemon.metrics.DaemonMetrics;
import dev.virtchain.daemon.metrics.ImageSpace;
import dev.virtchain.daemon.metrics.LiveSources;
import dev.virtchain.daemon.metrics.MetricsEndpoint;
import dev.virtchain.libvirt.HostVersions;
import dev.virtchain.daemon.domains.PolicyBook;
import dev.virtchain.daemon.domains.Services;
import dev.virtchain.daemon.domains.SnapshotPolicy;
import dev.virtchain.daemon.exec.DiskLocks;
import dev.virtchain.daemon.files.HostFiles;
import dev.virtchain.daemon.exec.OperationRunner;
import dev.virtchain.daemon.ledger.LedgerBook;
import dev.virtchain.daemon.ledger.LedgerStore;
import dev.virtchain.daemon.ledger.StateCheck;
import dev.virtchain.daemon.store.StateLock;
import dev.virtchain.daemon.store.TrustedDirectory;
import dev.virtchain.daemon.store.UnsafeDirectory;
import dev.virtchain.libvirt.ConnectionListener;
import dev.virtchain.libvirt.DaemonThreads;
import dev.virtchain.libvirt.DomainSummary;
import dev.virtchain.libvirt.HostOptions;
import dev.virtchain.libvirt.LibvirtHost;
import dev.virtchain.libvirt.LibvirtUnreachableException;
import dev.virtchain.libvirt.image.QemuImg;
import dev.virtchain.model.plan.HostCapabilities;
import dev.virtchain.model.plan.Planner;
import java.time.ZoneId;
import dev.virtchain.daemon.control.ControlSocket;
import dev.virtchain.daemon.control.GroupDatabase;
import dev.virtchain.daemon.control.PeerAccess;
import dev.virtchain.daemon.schedule.Assignment;
import dev.virtchain.daemon.schedule.Assignments;
import dev.virtchain.daemon.schedule.PolicyRun;
import dev.virtchain.daemon.schedule.PolicySchedule;
import dev.virtchain.daemon.schedule.ScheduleException;
import dev.virtchain.daemon.systemd.Notifier;
import dev.virtchain.daemon.systemd.SystemdNotifier;
import dev.virtchain.daemon.systemd.Watchdog;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * virtchaind: reads its configuration, opens the control socket, runs recovery, starts the
 * policy schedules, tells systemd it is ready, and runs until SIGTERM.
 *
 * <p>Exit statuses: 0 for {@code --help}, {@code --version}, a good {@code --check-config} and a
 * {@code --check-state} that found every ledger good (1 when it found a problem);
 * 2 for a bad command line or configuration, a state directory another virtchaind holds, or a
 * state or socket directory others could change (the unit's {@code RestartPreventExitStatus=2}
 * keeps systemd from restarting into the same mistake); 1 when start-up fails (socket in use,
 * recovery impossible); 143 after SIGTERM (the JVM's status for it); 137 at a crash point.
 *
 * <p>The state directory's {@link StateLock} is taken before anything else touches the
 * directory: before the ledgers are loaded (which deletes left-over temporary files) and before
 * libvirt is even connected to.
 */
public final class Virtchaind {

    private static final Logger log = LoggerFactory.getLogger(Virtchaind.class);

    public static final int EXIT_USAGE = 2;
    public static final int EXIT_START_FAILED = 1;
    /** Another daemon holds the state directory, or a directory is unsafe: restarting cannot help. */
    public static final int EXIT_STATE_REFUSED = 2;

    /** Threads for policy runs: runs mostly wait on the executor, which enforces the block-job limit. */
    private static final int POLICY_THREADS = 2;
    private static final int MAX_CONTROL_CONNECTIONS = 16;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    /** How often image sizes and free space are sampled for the metrics. */
    private static final Duration SPACE_SAMPLE_PERIOD = Duration.ofSeconds(60);

    private final DaemonConfig config;
    private final Clock clock;
    private final CrashPoints crashPoints;
    private final Notifier notifier;
    private final Optional<Duration> watchdogTimeout;
    private final Recovery recovery;
    private final PolicySchedule schedule;
    private final RunningJobs runningJobs;
    private final Lifecycle lifecycle;
    private final Heartbeat heartbeat;
    private final Commands commands;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final String version = Version.current();
    private final long pid = ProcessHandle.current().pid();

    private Watchdog watchdog;
    private ControlSocket controlSocket;
    /** Held from before the state directory is read until the process exits. */
    private volatile StateLock stateLock;
    private volatile StatusSources statusSources = StatusSources.NONE;
    private DaemonMetrics metrics;
    private ImageSpace imageSpace;
    private MetricsEndpoint metricsEndpoint;

    /**
     * @param recovery   settles interrupted operations before READY=1
     * @param schedule   the policies' schedule, not started yet: {@link #start} starts it after recovery
     * @param runningJobs the executor's jobs, for {@code status}
     */
    public Virtchaind(DaemonConfig config, Clock clock, CrashPoints crashPoints, Notifier notifier,
                      Optional<Duration> watchdogTimeout, Recovery recovery, PolicySchedule schedule, RunningJobs runningJobs) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.crashPoints = Objects.requireNonNull(crashPoints, "crashPoints");
        this.notifier = Objects.requireNonNull(notifier, "notifier");
        this.watchdogTimeout = Objects.requireNonNull(watchdogTimeout, "watchdogTimeout");
        this.recovery = Objects.requireNonNull(recovery, "recovery");
        this.schedule = Objects.requireNonNull(schedule, "schedule");
        this.runningJobs = Objects.requireNonNull(runningJobs, "runningJobs");
        this.lifecycle = new Lifecycle(clock);
        this.heartbeat = new Heartbeat(clock);
        this.commands = new Commands(lifecycle);
    }

    /** Runs the daemon (returning only after it stopped) or one of the informational actions. */
    static int launch(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
        CommandLine line;
        DaemonConfig config;
        CrashPoints crashPoints;
        try {
            line = CommandLine.parse(args);
            switch (line.action()) {
                case HELP -> {
                    out.print(CommandLine.USAGE);
                    return 0;
                }
                case VERSION -> {
                    out.println("virtchaind " + Version.current());
                    return 0;
                }
                default -> {
                    // read the configuration below
                }
            }
            config = line.resolve();
            String crashSetting = env.getOrDefault(CrashPoints.ENVIRONMENT_VARIABLE, config.crashAt());
            try {
                crashPoints = CrashPoints.parse(crashSetting);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
        } catch (UsageException e) {
            err.println("virtchaind: " + e.getMessage());
            err.print(CommandLine.USAGE);
            return EXIT_USAGE;
        } catch (ConfigException e) {
            err.println("virtchaind: " + e.getMessage());
            return EXIT_USAGE;
        }
        if (line.action() == CommandLine.Action.CHECK_CONFIG) {
            out.println("configuration OK: " + config.policies().size() + " policies");
            for (Policy p : config.policies()) {
                out.println("  " + p.name() + ": domains matching '" + p.match() + "', schedule '" + p.schedule().source()
                        + "' (Quartz '" + p.schedule().quartzExpression() + "')");
            }
            return 0;
        }

        if (line.action() == CommandLine.Action.CHECK_STATE) {
            // Read-only, and without the state lock: it may run beside the daemon that holds it.
            return StateCheck.run(config.stateDir(), out);
        }

        long pid = ProcessHandle.current().pid();
        StateLock stateLock;
        try {
            TrustedDirectory trust = TrustedDirectory.forThisProcess();
            stateLock = StateLock.acquire(config.stateDir(), trust, pid);
            Path socketDir = config.socketPath().toAbsolutePath().getParent();
            if (Files.exists(socketDir, LinkOption.NOFOLLOW_LINKS)) {
                trust.check(socketDir, "control socket's directory", "--socket (socket in [daemon])");
            }
        } catch (StateLock.Held | UnsafeDirectory e) {
            err.println("virtchaind: " + e.getMessage());
            return EXIT_STATE_REFUSED;
        } catch (IOException e) {
            err.println("virtchaind: cannot use the state directory " + config.stateDir() + ": " + e.getMessage());
            return EXIT_START_FAILED;
        }
        SystemdNotifier notifier = SystemdNotifier.fromEnvironment(env, pid);
        Clock clock = Clock.systemUTC();
        // libvirtd answers a new connection only after it has read its domains (about a second on a
        // large host), and reading the ledgers needs no libvirt: the connection is asked for first,
        // on a thread of its own, and the ledgers are read meanwhile.
        CompletableFuture<LibvirtHost> connecting = new CompletableFuture<>();
        CompletableFuture<List<DomainSummary>> listing = new CompletableFuture<>();
        DaemonThreads.daemon(() -> connect(config, connecting, listing), "libvirt-connect").start();
        LedgerStore store = new LedgerStore(config.stateDir(), clock);
        LedgerStore.Loaded loaded;
        try {
            loaded = store.loadAll();
        } catch (RuntimeException e) {
            connecting.thenAccept(LibvirtHost::close);
            throw e;
        }
        // Quartz takes about 30 ms to build its scheduler, which needs nothing of libvirt's: it is
        // built while libvirtd answers. Its policies run only after recovery, once the services exist.
        CompletableFuture<PolicyRun> policyRun = new CompletableFuture<>();
        PolicySchedule schedule;
        try {
            schedule = new PolicySchedule(config.stateDir(), (domain, policy) -> policyRun.join().run(domain, policy),
                    clock, POLICY_THREADS);
        } catch (ScheduleException e) {
            err.println("virtchaind: " + e.getMessage());
            connecting.thenAccept(LibvirtHost::close);
            return EXIT_START_FAILED;
        }
        LibvirtHost host;
        try {
            host = connecting.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            // LibvirtUnreachableException names the URI and asks whether libvirtd runs already.
            err.println("virtchaind: " + (cause instanceof LibvirtUnreachableException ? cause.getMessage()
                    : "cannot connect to libvirtd at " + config.connectUri() + ": " + cause.getMessage()));
            schedule.close(Duration.ZERO);
            return EXIT_START_FAILED;
        }
        Services services = services(config, clock, crashPoints, host, store, loaded);
        services.domains().listedAtConnection(listing);
        policyRun.complete(services.policyRun());
        Virtchaind daemon = new Virtchaind(config, clock, crashPoints, notifier, notifier.watchdogTimeout(),
                services.domains(), schedule, runningJobs(services.runner()));
        daemon.stateLock = stateLock;
        daemon.statusSources(SnapshotCommands.register(daemon.commands(), services, daemon.schedules(services)));
        ImageSpace space = new ImageSpace(() -> LiveSources.managed(services.domains()), clock);
        daemon.metrics(new DaemonMetrics(new LiveSources(buildInfo(host), services.domains(),
                () -> Optional.of(daemon.schedule), daemon.lifecycle(), space, config.minFreeSpaceBytes())), space);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            daemon.stop();
            host.close();
        }, "shutdown"));
        try {
            daemon.start(List.of());
            daemon.follow(services);
        } catch (Exception e) {
            if (daemon.lifecycle().phase() == Lifecycle.Phase.STOPPING) {
                // SIGTERM came while starting: the shutdown closed what start was using.
                log.debug("start cut short by the stop: {}", e.getMessage());
            } else {
                log.error("virtchaind could not start: {}", e.getMessage(), e);
                daemon.stop();
                return EXIT_START_FAILED;
            }
        }
        daemon.awaitStop();
        // The lock lives as long as the process: an unreachable channel could be closed by its cleaner.
        java.lang.ref.Reference.reachabilityFence(stateLock);
        return 0;
    }

    /**
     * Opens the connection, and right after it lists the domains libvirt has on the same thread,
     * while the main thread builds the daemon's services: recovery starts from that list.
     */
    private static void connect(DaemonConfig config, CompletableFuture<LibvirtHost> connecting,
                                CompletableFuture<List<DomainSummary>> listing) {
        LibvirtHost host;
        try {
            host = LibvirtHost.open(HostOptions.forUri(config.connectUri()));
        } catch (RuntimeException | Error e) {
            listing.completeExceptionally(e);
            connecting.completeExceptionally(e);
            return;
        }
        connecting.complete(host);
        try {
            listing.complete(host.listDomains());
        } catch (RuntimeException | Error e) {
            listing.completeExceptionally(e);
        }
    }

    /** Everything the commands and policies work with, built once from the configuration. */
    static Services services(DaemonConfig config, Clock clock, CrashPoints crashPoints, LibvirtHost host,
                             LedgerStore store, LedgerStore.Loaded loaded) {
        QemuImg qemuImg = QemuImg.withDefaults();
        Map<String, String> quarantined = new java.util.HashMap<>();
        for (String repaired : loaded.repaired()) {
            log.warn("{}", repaired);
        }
        for (LedgerStore.Unreadable problem : loaded.unreadable()) {
            log.error("{}; the files are left in place and the domain left alone", problem.problem());
            quarantined.put(problem.uuid(), problem.problem());
        }
        LedgerBook book = new LedgerBook(store, loaded.ledgers());
        DiskLocks locks = new DiskLocks();
        HostFiles files = new HostFiles(config);
        try {
            files.prepareDirectories(config.stateDir()).forEach(p -> log.warn("{}", p));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot create the export and copy directories "
                    + config.exportDirs() + " " + config.copyDirs() + ": " + e.getMessage(), e);
        }
        OperationRunner runner = new OperationRunner(host, qemuImg, files, book, new Planner(clock, HostCapabilities.DEFAULT),
                locks, config.maxBlockJobs(), crashPoints, clock, config.bandwidthMiBPerSecond(),
                config.minFreeSpaceBytes(), config.agentTimeout());
        MetadataPolicies metadata = new MetadataPolicies(host::readPolicy);
        ManagedDomains domains = new ManagedDomains(host, files, book, runner, locks, clock, quarantined,
                DomainRoster.of(config.manage(), config.policies(), metadata));
        SnapshotPolicy policyRun = new SnapshotPolicy(domains, clock, ZoneId.systemDefault());
        return new Services(host, qemuImg, files, book, runner, domains, new PolicyBook(config.policies(), metadata),
                policyRun, clock);
    }

    private static BuildInfo buildInfo(LibvirtHost host) {
        try {
            HostVersions v = host.versions();
            return new BuildInfo(Version.current(), v.libvirt(), v.hypervisorVersion());
        } catch (RuntimeException e) {
            log.warn("cannot read libvirt's and QEMU's versions for the metrics: {}", e.getMessage());
            return new BuildInfo(Version.current(), BuildInfo.UNKNOWN, BuildInfo.UNKNOWN);
        }
    }

    /** What {@code /metrics} serves, and the sampler of image sizes it reads; served from {@link #start} on. */
    public void metrics(DaemonMetrics collector, ImageSpace space) {
        this.metrics = Objects.requireNonNull(collector, "collector");
        this.imageSpace = Objects.requireNonNull(space, "space");
    }

    private static RunningJobs runningJobs(OperationRunner runner) {
        return () -> runner.active().stream()
                .map(a -> new RunningJob(a.domain(), null, a.phase(), a.description(), a.done(), a.total(), a.started()))
                .toList();
    }

    /**
     * After start: follows libvirt's lifecycle events from now on, adopts domains defined while the
     * daemon started, and assigns policies to the domains libvirt has (configured patterns and each
     * domain's own metadata policy).
     */
    void follow(Services services) throws ScheduleException {
        services.host().addLifecycleListener(event -> {
            services.policies().forget(event.domain());
            services.domains().onLifecycle(event);
            assignPolicies(services, event.kind() + " of " + event.domain());
        });
        services.host().addConnectionListener(new ConnectionListener() {
            @Override
            public void onReconnected() {
                // Events of the outage are lost: domains may have been defined, and any domain's
                // metadata policy may have changed.
                services.policies().forgetAll();
                try {
                    assign(services, services.domains().catchUp("while libvirtd was unreachable"));
                } catch (ScheduleException | RuntimeException e) {
                    log.warn("cannot update policy assignments after libvirtd came back: {}", e.getMessage());
                }
            }
        });
        try {
            // Recovery listed the domains before events were followed: look again now that they are.
            assign(services, services.domains().catchUp("while virtchaind started"));
        } catch (LibvirtUnreachableException e) {
            // The connection dropped right after start: assigned when it is back (onReconnected).
            log.warn("cannot assign the policies yet: {}; they are assigned when libvirtd answers again",
                    e.getMessage());
        }
    }

    /** Assigns the policies to {@code domains}: configured patterns and each domain's own policy. */
    private void assign(Services services, List<String> domains) throws ScheduleException {
        schedule.assign(services.policies().assignments(domains));
    }

    /** Assigns the policies to the managed domains libvirt has now. */
    private void assignPolicies(Services services) throws ScheduleException {
        assign(services, services.domains().libvirtDomainNames());
    }

    private void assignPolicies(Services services, String after) {
        try {
            assignPolicies(services);
        } catch (ScheduleException | RuntimeException e) {
            log.warn("cannot update policy assignments after {}: {}", after, e.getMessage());
        }
    }

    /** What {@code status} reads from libvirt and the managed domains, once the services exist. */
    public void statusSources(StatusSources sources) {
        this.statusSources = Objects.requireNonNull(sources, "sources");
    }

    /**
     * The policy schedule as commands see it: {@code policy-set} and {@code policy-remove}
     * re-assign after changing a domain's metadata policy, as the lifecycle listener of
     * {@link #follow} does after a domain event.
     */
    public PolicySchedules schedules(Services services) {
        return new PolicySchedules() {
            @Override
            public void reassign() throws ScheduleException {
                assignPolicies(services);
            }

            @Override
            public List<AssignmentStatus> status() {
                return schedule.status();
            }
        };
    }

    /**
     * Brings the daemon up. {@code domainNames} are the domains libvirt knows at start; the
     * policies' patterns are matched against them.
     */
    public void start(Collection<String> domainNames) throws Exception {
        log.info("virtchaind {} starting (pid {}, libvirt {}, state {})", version, pid, config.connectUri(),
                config.stateDir());
        if (crashPoints.armed()) {
            log.warn("crash point {} is armed: this process will halt when it reaches it (testing only)",
                    crashPoints.setting());
        }
        notifier.status("starting");
        prepareStateDir(config.stateDir());
        if (watchdogTimeout.isPresent()) {
            watchdog = new Watchdog(notifier, heartbeat, watchdogTimeout.get());
            watchdog.start();
        }

        commands.register(PingCommand.NAME, Commands.Availability.ALWAYS, new PingCommand(version));
        commands.register(StatusCommand.NAME, Commands.Availability.ALWAYS,
                new StatusCommand(config, lifecycle, version, pid, schedule::status, runningJobs, () -> statusSources));

        UserPrincipalLookupService users = FileSystems.getDefault().getUserPrincipalLookupService();
        PeerAccess access = new PeerAccess(config.socketGroup(), GroupDatabase.system(),
                users.lookupPrincipalByName("root"), users.lookupPrincipalByName(System.getProperty("user.name")));
        controlSocket = new ControlSocket(config.socketPath(), config.socketGroup(), commands, access, heartbeat,
                MAX_CONTROL_CONNECTIONS, REQUEST_TIMEOUT);
        controlSocket.start();
        serveMetrics();

        lifecycle.enter(Lifecycle.Phase.RECOVERING);
        notifier.status("recovering interrupted operations");
        RecoverySummary summary = recovery.recover();
        lifecycle.recovered(summary);
        log.info("recovery: {} operations completed, {} rolled back, {} unresolved", summary.completed(),
                summary.rolledBack(), summary.unresolved().size());
        summary.unresolved().forEach(problem -> log.warn("unresolved after recovery: {}", problem));

        reassign(domainNames);
        schedule.start();

        if (metricsEndpoint != null) {
            // After recovery: the first sample stats every image, work that should not slow start-up.
            imageSpace.start(Duration.ZERO, SPACE_SAMPLE_PERIOD);
        }

        crashPoints.reach("before-ready");
        lifecycle.enter(Lifecycle.Phase.READY);
        notifier.ready();
        notifier.status("ready: " + config.policies().size() + " policies, " + schedule.status().size()
                + " assignments");
        log.info("virtchaind ready");
        long checkStart = System.nanoTime();
        recovery.checkDomains(problems -> {
            problems.forEach(problem -> log.warn("unresolved after recovery: {}", problem));
            lifecycle.recovered(summary.withUnresolved(problems));
            log.info("every domain checked against its ledger, {} ms after ready",
                    (System.nanoTime() - checkStart) / 1_000_000);
        });
    }

    /** Before recovery, so that a long recovery shows as an {@code up} daemon with its phase, not as one that is down. */
    private void serveMetrics() throws IOException {
        if (metrics == null || config.metricsListen().isEmpty()) {
            log.info("metrics endpoint off");
            return;
        }
        var listen = config.metricsListen().get();
        try {
            metricsEndpoint = MetricsEndpoint.start(listen, metrics);
        } catch (IOException e) {
            throw new IOException("cannot serve metrics on " + listen + ": " + e.getMessage()
                    + "; set metrics-listen in [daemon] to a free address, or to none", e);
        }
        log.info("metrics at http://{}{}", listen, MetricsEndpoint.PATH);
    }

    /**
     * Re-matches the policies against the domains libvirt now knows, rebuilding triggers.
     * The domain-lifecycle listener calls this when a domain is defined, undefined or renamed.
     */
    public void reassign(Collection<String> domainNames) throws ScheduleException {
        reassign(domainNames, List.of());
    }

    /**
     * As {@link #reassign(Collection)}, plus assignments found elsewhere than the configuration's
     * patterns (a policy named in a domain's libvirt metadata); duplicates count once.
     */
    public void reassign(Collection<String> domainNames, Collection<Assignment> fromMetadata) throws ScheduleException {
        Set<Assignment> assignments = new LinkedHashSet<>(Assignments.byPattern(config.policies(), domainNames));
        assignments.addAll(fromMetadata);
        if (!config.policies().isEmpty() && assignments.isEmpty()) {
            log.info("no domain matches any policy yet ({} domains known)", domainNames.size());
        }
        schedule.assign(assignments);
    }

    public DaemonConfig config() {
        return config;
    }

    /** Registers more commands; the executor's snapshot commands join here. */
    public Commands commands() {
        return commands;
    }

    public Heartbeat heartbeat() {
        return heartbeat;
    }

    public Lifecycle lifecycle() {
        return lifecycle;
    }

    public CrashPoints crashPoints() {
        return crashPoints;
    }

    /** Stops everything that started; safe to call twice and from the shutdown hook. */
    public synchronized void stop() {
        // synchronized: a second caller (the shutdown hook after a failed start) waits for the first.
        if (stopped.getCount() == 0) {
            return;
        }
        lifecycle.enter(Lifecycle.Phase.STOPPING);
        log.info("virtchaind stopping");
        notifier.stopping();
        try {
            if (controlSocket != null) {
                controlSocket.close(STOP_GRACE);
            }
            if (metricsEndpoint != null) {
                metricsEndpoint.close();
            }
            if (imageSpace != null) {
                imageSpace.close();
            }
            schedule.close(STOP_GRACE);
            if (watchdog != null) {
                watchdog.close();
            }
            log.info("virtchaind stopped");
        } finally {
            stopped.countDown();
        }
    }

    void awaitStop() {
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The state directory holds what virtchain knows about every image: root only (0700). */
    private static void prepareStateDir(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            if (!Files.isWritable(dir)) {
                throw new IOException("state directory " + dir + " is not writable");
            }
            return;
        }
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        log.info("created state directory {}", dir);
    }
}
