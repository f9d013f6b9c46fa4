package dev.virtchain.bench.live;

import dev.virtchain.bench.Progress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the real-QEMU benchmarks share: the source tree, a work directory of the run's own, and
 * one virtchaind on {@code qemu:///system}, started on first use and stopped by {@link #close()}.
 */
public final class LiveHost implements AutoCloseable {
    private final Path root;
    private final Path work;
    private final Progress progress;
    private Virtchaind daemon;

    public LiveHost(Path root, Path work, Progress progress) {
        this.root = root;
        this.work = work;
        this.progress = progress;
    }

    public Path root() {
        return root;
    }

    public Progress progress() {
        return progress;
    }

    /** A fresh directory under the run's work directory. */
    public Path newDirectory(String name) {
        try {
            return Files.createTempDirectory(work, name + "-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a directory in " + work, e);
        }
    }

    /** The daemon on qemu:///system, started (and awaited) the first time it is asked for. */
    public Virtchaind daemon() throws InterruptedException {
        if (daemon == null) {
            daemon = Virtchaind.start(root, newDirectory("virtchaind"), Virsh.URI);
            Virtchaind.Readiness r = daemon.awaitReady(120_000, 50);
            progress.say(String.format("  virtchaind on %s ready after %.1f s", Virsh.URI, r.readyNanos() / 1e9));
        }
        return daemon;
    }

    /** Makes virtchaind take a domain in now rather than when libvirt's event reaches it. */
    public void adopt(String domain) throws InterruptedException {
        daemon().cli("adopt", domain);
    }

    @Override
    public void close() {
        if (daemon != null) {
            daemon.close();
        }
    }
}
