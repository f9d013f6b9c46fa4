package dev.virtchain.libvirt;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import org.libvirt.event.BlockJobStatus;
import org.libvirt.event.BlockJobType;

/**
 * The watchers of the jobs running now, one per disk (QEMU runs at most one job per disk). Routes
 * BLOCK_JOB_2 events to the disk's watcher and tells every watcher when the connection is back.
 */
final class BlockJobRegistry implements LibvirtSession.BlockJobEventSink, ConnectionListener {
    private final Map<String, BlockJobWatcher> watchers = new ConcurrentHashMap<>();
    private final JobProbe probe;
    private final ScheduledExecutorService scheduler;
    private final HostOptions options;

    BlockJobRegistry(JobProbe probe, ScheduledExecutorService scheduler, HostOptions options) {
        this.probe = probe;
        this.scheduler = scheduler;
        this.options = options;
    }

    /**
     * A watcher for {@code job}, registered before the job is started so no event is missed;
     * polling begins with {@link BlockJobWatcher#start()}.
     */
    BlockJobWatcher register(BlockJob job, BlockJobObserver observer) {
        String key = key(job.domain(), job.disk());
        BlockJobWatcher watcher = new BlockJobWatcher(job, probe, scheduler, observer, options,
                w -> watchers.remove(key, w));
        BlockJobWatcher existing = watchers.putIfAbsent(key, watcher);
        if (existing != null) {
            throw new IllegalStateException(job.domain() + "/" + job.disk() + " is already watched for "
                    + existing.job() + "; QEMU runs one job per disk");
        }
        return watcher;
    }

    void unregister(BlockJobWatcher watcher) {
        watchers.remove(key(watcher.job().domain(), watcher.job().disk()), watcher);
    }

    List<BlockJobWatcher> active() {
        return List.copyOf(watchers.values());
    }

    @Override
    public void onBlockJobEvent(String domain, String disk, BlockJobType type, BlockJobStatus status) {
        BlockJobWatcher w = watchers.get(key(domain, disk));
        if (w != null) {
            w.onEvent(type, status);
        }
    }

    @Override
    public void onReconnected() {
        watchers.values().forEach(BlockJobWatcher::onReconnected);
    }

    private static String key(String domain, String disk) {
        return domain + "\u0000" + disk;
    }
}
