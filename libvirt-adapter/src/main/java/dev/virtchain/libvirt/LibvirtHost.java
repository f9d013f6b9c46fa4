package dev.virtchain.libvirt;

import dev.virtchain.libvirt.image.QemuImg;
import dev.virtchain.libvirt.xml.PolicyMetadata;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;

/**
 * What the daemon asks of libvirt on one host: domains and their XML, external snapshots, block
 * jobs with their watchers, virtchain's metadata element, and lifecycle events. Thin on purpose:
 * it knows no policy and no ledger; every decision about what to run is the planner's.
 *
 * <p>The connection reconnects by itself after libvirtd restarts; calls made while it is down fail
 * with {@link LibvirtUnreachableException}, and running watchers pick their jobs up again.
 */
public final class LibvirtHost implements AutoCloseable {
    private final LibvirtSession session;
    private final ScheduledExecutorService watchPool;
    private final BlockJobRegistry registry;
    private final BlockJobStarter starter;
    private final SnapshotTaker snapshots;
    private final DomainMetadata metadata;
    private final JobProbe probe;

    private LibvirtHost(LibvirtSession session, QemuImg qemuImg) {
        this.session = session;
        this.watchPool = Executors.newScheduledThreadPool(2, DaemonThreads.numbered("block-job-watch-"));
        this.probe = new LibvirtJobProbe(session);
        this.registry = new BlockJobRegistry(probe, watchPool, session.options());
        this.starter = new BlockJobStarter(session, registry);
        this.snapshots = new SnapshotTaker(session, qemuImg, new LateFreezeThaw(session, watchPool));
        this.metadata = new DomainMetadata(session);
        session.addBlockJobSink(registry);
        session.addConnectionListener(registry);
    }

    /**
     * Loads libvirt's library and starts its event loop, which every connection needs first: about
     * 0.2 s of class loading and native set-up, none of it waiting on libvirtd. A process that will
     * connect may call this early on a thread of its own; {@link #open} waits for it to finish,
     * and fails as it would have if it failed.
     */
    public static void prepare() {
        EventLoop.ensureRunning();
    }

    /** Connects to libvirtd; fails with {@link LibvirtUnreachableException} if it does not answer. */
    public static LibvirtHost open(HostOptions options, QemuImg qemuImg) {
        return new LibvirtHost(LibvirtSession.open(options), qemuImg);
    }

    /** {@link #open(HostOptions, QemuImg)} with {@code qemu-img} from the PATH and its default timeouts. */
    public static LibvirtHost open(HostOptions options) {
        return open(options, QemuImg.withDefaults());
    }

    public boolean isConnected() {
        return session.isConnected();
    }

    /** libvirt's and the hypervisor's versions, asked of libvirtd. */
    public HostVersions versions() {
        return session.call("read the versions", Involved.host(), conn -> new HostVersions(
                HostVersions.decode(conn.getLibVersion()), conn.getType(), HostVersions.decode(conn.getVersion())));
    }

    public void addLifecycleListener(DomainLifecycleListener listener) {
        session.addLifecycleListener(listener);
    }

    public void addConnectionListener(ConnectionListener listener) {
        session.addConnectionListener(listener);
    }

    // --- domains ---------------------------------------------------------------------------------

    /**
     * Every domain with its state, in three calls whatever their number: all, the active ones,
     * the persistent ones (asking each domain would be two round trips per domain).
     */
    public List<DomainSummary> listDomains() {
        return session.call("list domains", Involved.host(), conn -> {
            Domain[] all = conn.listAllDomains(0);
            Set<String> active = uuids(conn.listAllDomains(Connect.ConnectListAllDomainsFlags.CONNECT_LIST_DOMAINS_ACTIVE));
            Set<String> persistent = uuids(conn.listAllDomains(
                    Connect.ConnectListAllDomainsFlags.CONNECT_LIST_DOMAINS_PERSISTENT));
            List<DomainSummary> out = new ArrayList<>(all.length);
            for (Domain d : all) {
                String uuid = d.getUUIDString();
                boolean running = active.contains(uuid);
                boolean kept = persistent.contains(uuid);
                if (running || kept) {
                    out.add(new DomainSummary(d.getName(), uuid, running, kept));
                }
                // else a transient domain that stopped since the first list: it is gone
            }
            return out;
        });
    }

    private static Set<String> uuids(Domain[] domains) throws LibvirtException {
        Set<String> out = new HashSet<>(domains.length * 2);
        for (Domain d : domains) {
            out.add(d.getUUIDString());
        }
        return out;
    }

    /** The live XML of a running domain (with the full backing chains), else its persistent definition. */
    public String domainXml(String domain) {
        return session.onDomain(domain, "read the domain XML", Involved.domain(domain), dom -> dom.getXMLDesc(0));
    }

    /** The persistent definition, also of a running domain. */
    public String inactiveXml(String domain) {
        return session.onDomain(domain, "read the persistent definition", Involved.domain(domain),
                dom -> dom.getXMLDesc(Domain.XMLFlags.INACTIVE));
    }

    /** Capacity and allocation of the disk's active image, as libvirt reports them now. */
    public DiskUsage diskUsage(String domain, String disk) {
        return session.onDomain(domain, "read the block info", Involved.domain(domain).disk(disk), dom -> {
            org.libvirt.DomainBlockInfo i = dom.blockInfo(disk);
            return new DiskUsage(domain, disk, i.getCapacity(), i.getAllocation(), i.getPhysical());
        });
    }

    public boolean isRunning(String domain) {
        return session.onDomain(domain, "read the state", Involved.domain(domain), dom -> dom.isActive() == 1);
    }

    /** Defines (or redefines) a persistent domain; returns its name. */
    public String define(String domainXml) {
        return session.call("define a domain", Involved.host(),
                (Connect conn) -> conn.domainDefineXML(domainXml).getName());
    }

    public void start(String domain) {
        session.onDomain(domain, "start the domain", Involved.domain(domain), dom -> {
            dom.create();
            return null;
        });
    }

    /** Pulls the plug (virsh destroy); the definition stays. */
    public void stop(String domain) {
        session.onDomain(domain, "stop the domain", Involved.domain(domain), dom -> {
            dom.destroy();
            return null;
        });
    }

    /**
     * Asks the guest to shut down: through its guest agent, else by the ACPI power button. Returns
     * at once; the caller waits for {@link #isRunning} to turn false.
     */
    public void requestShutdown(String domain) {
        session.onDomain(domain, "ask the guest to shut down", Involved.domain(domain), dom -> {
            NativeLibvirt.shutdownGracefully(dom);
            return null;
        });
    }

    /**
     * Removes a shut-off domain's persistent definition (its image files stay). libvirt refuses
     * while snapshot metadata exists; virtchain creates none.
     */
    public void undefine(String domain) {
        session.onDomain(domain, "undefine the domain", Involved.domain(domain), dom -> {
            dom.undefine();
            return null;
        });
    }

    // --- snapshots -------------------------------------------------------------------------------

    /**
     * Takes an external disk-only snapshot, atomically across the named disks. On failure the
     * overlays it created are gone again and nothing changed.
     */
    public SnapshotResult takeSnapshot(SnapshotRequest request) {
        return snapshots.take(request);
    }

    // --- block jobs ------------------------------------------------------------------------------

    public BlockJobWatcher startCommit(CommitRequest request, BlockJobObserver observer) {
        return starter.commit(request, observer);
    }

    public BlockJobWatcher startPull(PullRequest request, BlockJobObserver observer) {
        return starter.pull(request, observer);
    }

    public BlockJobWatcher startCopy(CopyRequest request, BlockJobObserver observer) {
        return starter.copy(request, observer);
    }

    /**
     * Watches a job already running in QEMU, as journaled when it was started (after a daemon
     * restart). If it ended meanwhile, the watcher concludes from the chain at once.
     */
    public BlockJobWatcher watch(BlockJob job, BlockJobObserver observer) {
        return starter.watch(job, observer);
    }

    /** The watcher of the job on that disk, if one is watched. */
    public Optional<BlockJobWatcher> watcher(String domain, String disk) {
        return registry.active().stream()
                .filter(w -> w.job().domain().equals(domain) && w.job().disk().equals(disk))
                .findFirst();
    }

    /** Pivots the disk's watched job once READY, retrying refusals; see {@link BlockJobWatcher#pivot()}. */
    public CompletableFuture<BlockJobOutcome> pivot(String domain, String disk) {
        return requireWatcher(domain, disk).pivot();
    }

    /** Aborts the disk's watched job. */
    public CompletableFuture<BlockJobOutcome> abort(String domain, String disk) {
        return requireWatcher(domain, disk).abort();
    }

    /**
     * One pivot attempt, now, without waiting for READY: libvirt refuses it with
     * {@link PivotRefusedException} if QEMU is not ready. For tools and tests; the daemon uses
     * {@link BlockJobWatcher#pivot()}, which waits for READY and retries.
     */
    public void pivotOnce(String domain, String disk) {
        probe.pivot(domain, disk);
    }

    // --- metadata --------------------------------------------------------------------------------

    /** The domain's snapshot policy from virtchain's element in its {@code <metadata>}, if it has one. */
    public Optional<PolicyMetadata> readPolicy(String domain) {
        return metadata.read(domain);
    }

    /**
     * Stores the policy as virtchain's element (namespace {@value PolicyMetadata#NAMESPACE}) in the
     * live and persistent definitions; {@code null} removes it.
     */
    public void writePolicy(String domain, PolicyMetadata policy) {
        metadata.write(domain, policy);
    }

    private BlockJobWatcher requireWatcher(String domain, String disk) {
        return watcher(domain, disk).orElseThrow(() -> new IllegalStateException(
                "no block job of " + domain + "/" + disk + " is watched; start it or watch() it first"));
    }

    /** Stops watching (jobs keep running in QEMU) and closes the connection. */
    @Override
    public void close() {
        registry.active().forEach(BlockJobWatcher::detach);
        watchPool.shutdownNow();
        session.close();
    }
}
