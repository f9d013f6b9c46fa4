package dev.virtchain.daemon.metrics;

import dev.virtchain.libvirt.DaemonThreads;
import dev.virtchain.model.Disk;
import dev.virtchain.model.Image;
import dev.virtchain.model.Ledger;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Samples, on its own thread every so often, the sizes of the managed images and the free space
 * of the directories that hold them, so that a scrape reads numbers and never touches a file.
 * A file size is the bytes an image holds by itself (a qcow2 layer holds only its own
 * clusters): the snapshots' files together are what the snapshots keep on disk. {@code
 * virtchain du} measures each snapshot exactly, with qemu-img, when asked.
 */
public final class ImageSpace implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ImageSpace.class);

    /** Bytes of one domain's images: the active ones, and the rest (which the snapshots hold). */
    public record DomainBytes(long active, long snapshots) {}

    /** Free and total bytes of an image directory's file system. */
    public record DirectorySpace(long free, long size) {}

    /** One sample; {@code at} is null before the first. */
    public record Sample(Instant at, Map<String, DomainBytes> domains, Map<String, DirectorySpace> directories) {
        public static final Sample NONE = new Sample(null, Map.of(), Map.of());

        public Sample {
            domains = Map.copyOf(domains);
            directories = Map.copyOf(directories);
        }
    }

    private final Supplier<Collection<Ledger>> ledgers;
    private final Clock clock;
    private volatile Sample latest = Sample.NONE;
    private ScheduledExecutorService thread;

    public ImageSpace(Supplier<Collection<Ledger>> ledgers, Clock clock) {
        this.ledgers = Objects.requireNonNull(ledgers, "ledgers");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Samples after {@code delay}, then every {@code period}, on a daemon thread of its own. */
    public synchronized void start(Duration delay, Duration period) {
        if (thread != null) {
            return;
        }
        thread = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("image-space"));
        thread.scheduleWithFixedDelay(this::sampleQuietly, delay.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    public Sample latest() {
        return latest;
    }

    private void sampleQuietly() {
        try {
            sample();
        } catch (RuntimeException e) {
            log.warn("cannot sample image sizes and free space: {}", e.getMessage());
        }
    }

    /** Takes a sample now (also used by tests). */
    public Sample sample() {
        Map<String, DomainBytes> domains = new HashMap<>();
        Map<String, DirectorySpace> directories = new HashMap<>();
        java.util.Set<Path> looked = new java.util.HashSet<>(); // each directory once, found or not
        for (Ledger l : ledgers.get()) {
            long active = 0;
            long held = 0;
            for (Disk d : l.disks()) {
                for (Image i : d.images()) {
                    Path p = Path.of(i.path());
                    long size = size(p);
                    if (i.path().equals(d.active())) {
                        active += size;
                    } else {
                        held += size;
                    }
                    Path dir = p.getParent();
                    if (dir != null && looked.add(dir)) {
                        space(dir).ifPresent(s -> directories.put(dir.toString(), s));
                    }
                }
            }
            domains.put(l.domainName(), new DomainBytes(active, held));
        }
        Sample s = new Sample(clock.instant(), domains, directories);
        latest = s;
        return s;
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0; // gone meanwhile, or a block device without a size: counted as nothing
        }
    }

    private static java.util.Optional<DirectorySpace> space(Path dir) {
        try {
            FileStore store = Files.getFileStore(dir);
            return java.util.Optional.of(new DirectorySpace(store.getUsableSpace(), store.getTotalSpace()));
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    @Override
    public synchronized void close() {
        if (thread != null) {
            thread.shutdownNow();
            thread = null;
        }
    }
}
