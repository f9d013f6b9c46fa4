package dev.virtchain.daemon.files;

import dev.virtchain.libvirt.DaemonThreads;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes images without making the operation wait while the file system frees their blocks.
 *
 * <p>Unlinking the last name of a large file frees its extents inside {@code unlink(2)}: about
 * 100 ms for 256 MiB on ext4 mounted with {@code discard}, growing with the file, nearly all of
 * it the kernel's CPU time, which the operation's last ledger writes would share. Held open across the
 * unlink, the file loses its name at once (nothing can open the image again, and a check for it
 * finds nothing), and the freeing moves to the last close. The operation lets that happen with
 * {@link #free} after its last ledger write, and a thread of its own closes the files. If the
 * daemon dies first, the kernel closes them and frees them; after a host crash, ext4 frees them
 * from its orphan list at mount.
 *
 * <p>A decision about free space frees and waits for what is pending first ({@link #settle}), so
 * blocks about to come back are never counted as used. At most {@value #PENDING_MAX} files are
 * held and as many wait for the thread; past that they are freed at once, by the caller if need be.
 */
public final class SpaceRelease {
    private static final Logger log = LoggerFactory.getLogger(SpaceRelease.class);
    static final int PENDING_MAX = 64;

    private final ThreadPoolExecutor closer = new ThreadPoolExecutor(0, 1, 10, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(PENDING_MAX), DaemonThreads.named("space-release"), (task, full) -> task.run());
    private final List<Held> held = new ArrayList<>();
    private int pending;

    private record Held(FileChannel channel, Path file) {}

    /**
     * Removes {@code file}'s name; a regular file stays open until {@link #free} (or
     * {@link #settle}) hands it to the release thread. A file that is not a regular one (a
     * symbolic link is not followed) is simply removed.
     *
     * @throws java.nio.file.NoSuchFileException when there is no such file
     */
    public void unlink(Path file) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        FileChannel held = null;
        if (a.isRegularFile()) {
            try {
                held = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
            } catch (IOException e) {
                log.debug("cannot hold {} open across its removal, removing it directly: {}", file, e.toString());
            }
        }
        try {
            Files.delete(file);
        } catch (IOException e) {
            if (held != null) {
                close(held, file, e);
            }
            throw e;
        }
        if (held != null) {
            boolean full;
            synchronized (this) {
                this.held.add(new Held(held, file));
                pending++;
                full = this.held.size() >= PENDING_MAX;
            }
            if (full) {
                free(); // a bound on the descriptors held, for operations that remove many images
            }
        }
    }

    /** Lets the file system free every file removed so far, on the release thread. */
    public void free() {
        List<Held> now;
        synchronized (this) {
            now = List.copyOf(held);
            held.clear();
        }
        for (Held h : now) {
            closer.execute(() -> {
                try {
                    close(h.channel(), h.file(), null);
                } finally {
                    synchronized (this) {
                        pending--;
                        notifyAll();
                    }
                }
            });
        }
    }

    /** Frees every file removed so far and waits until they are, at most {@code limit}; whether they are. */
    public boolean settle(Duration limit) throws InterruptedException {
        free();
        return awaitFreed(limit);
    }

    private synchronized boolean awaitFreed(Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (pending > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    /** How many removed files are still being freed. */
    public synchronized int pending() {
        return pending;
    }

    private static void close(FileChannel held, Path file, IOException first) {
        try {
            held.close();
        } catch (IOException e) {
            if (first != null) {
                first.addSuppressed(e);
            } else {
                log.warn("freeing the removed image {}: {}", file, e.toString());
            }
        }
    }
}
