package dev.virtchain.bench.live;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The QEMU process of a running domain, and what the kernel counted it writing: {@code wchar}
 * in {@code /proc/PID/io}, every byte passed to write(2)/pwrite(2)/pwritev(2), so a block job's
 * data and the qcow2 metadata it updates. A domain without a guest OS writes nothing else.
 */
public final class QemuProcess {
    private final long pid;

    private QemuProcess(long pid) {
        this.pid = pid;
    }

    /**
     * The process libvirt started for {@code domain}: its pid file under /run/libvirt/qemu of the
     * root the libvirtd under test runs in (a chroot's pids are the host's).
     */
    public static QemuProcess of(String domain) {
        Path pidFile = dev.virtchain.testing.LibvirtdUnderTest.root().resolve("run/libvirt/qemu").resolve(domain + ".pid");
        try {
            return new QemuProcess(Long.parseLong(Files.readString(pidFile).strip()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the QEMU pid of " + domain + " from " + pidFile, e);
        }
    }

    public long bytesWritten() {
        return ProcFiles.field(Path.of("/proc", Long.toString(pid), "io"), "wchar");
    }
}
