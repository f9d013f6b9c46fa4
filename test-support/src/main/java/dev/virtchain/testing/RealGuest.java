package dev.virtchain.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A booting Linux guest for integration tests: Debian's kernel and a busybox initramfs
 * ({@link GuestKit}) under TCG, with {@code qemu-guest-agent} on a virtio-serial channel and a
 * writer that appends numbered, check-summed records to {@code /records} on an ext4 file system
 * on each of its disks ({@code vda}…), syncing each one. The guest reports on its serial console,
 * a file in the domain's directory; {@link GuestRecords} checks a point in time of a disk
 * offline. {@link #close()} removes the domain and its files like {@link TestDomain#close()}.
 *
 * <pre>{@code
 * try (RealGuest guest = RealGuest.builder().disks(2).create()) {   // booted, agent up, writing
 *     guest.awaitRecords(50, Duration.ofSeconds(60));
 *     TestDomain dom = guest.domain();                                  // chains, XML, libvirt
 * }
 * }</pre>
 */
public final class RealGuest implements AutoCloseable {
    /** Time a guest is given from start to its writer running (10–20 s measured under TCG). */
    public static final Duration BOOT = Duration.ofSeconds(150);
    private static final Pattern PROGRESS = Pattern.compile("virtchain-guest: record (\\d+) at (\\d+)");
    private static final Pattern WRITER_START = Pattern.compile("virtchain-guest: writer starts (vd[a-z]) after record (\\d+)");

    private final TestDomain domain;
    /** Where the console of the guest's latest boot begins, and the record its first disk's writer continued after. */
    private long bootMark;
    private long startedAfter;

    private RealGuest(TestDomain domain) {
        this.domain = domain;
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private int disks = 1;
        private TestDomain.Format format = TestDomain.Format.QCOW2;
        private long diskMiB = 64;

        public Builder disks(int n) {
            this.disks = n;
            return this;
        }

        public Builder baseFormat(TestDomain.Format f) {
            this.format = f;
            return this;
        }

        public Builder diskMiB(long mib) {
            this.diskMiB = mib;
            return this;
        }

        /** Defines and starts the guest, and waits until its writer and agent run. */
        public RealGuest create() {
            GuestKit.Kit kit = GuestKit.get();
            TestDomain dom = TestDomain.builder().disks(disks).baseFormat(format).diskMiB(diskMiB).linux(kit).create();
            RealGuest guest = new RealGuest(dom);
            try {
                guest.awaitBoot(0);
                return guest;
            } catch (RuntimeException | AssertionError e) {
                dom.close();
                throw e;
            }
        }
    }

    public TestDomain domain() {
        return domain;
    }

    public String name() {
        return domain.name();
    }

    /** The serial console's file: the kernel's messages and the guest's reports. */
    public Path console() {
        return domain.dir().resolve("console.log");
    }

    public String consoleText() {
        try {
            return Files.exists(console()) ? Files.readString(console(), StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the console of " + name(), e);
        }
    }

    /** Where the console ends now: later waits look only at what comes after. */
    public long consoleMark() {
        return consoleText().length();
    }

    /**
     * Waits until the guest, started after {@code mark}, runs its writer (one "writer starts"
     * line per disk) and its agent; returns, per disk in order, the record its writer continues
     * after (0 on a fresh disk).
     */
    public List<Long> awaitBoot(long mark) {
        int disks = domain.targets().size();
        String text = awaitConsole(mark, BOOT, t -> count(WRITER_START, t) >= disks && t.contains("agent on "),
                "its writer and agent to start");
        Matcher m = WRITER_START.matcher(text);
        List<Long> after = new java.util.ArrayList<>();
        while (m.find() && after.size() < disks) {
            after.add(Long.parseLong(m.group(2)));
        }
        if (!text.contains("mounted " + domain.targets().get(0)) || text.contains("cannot mount")) {
            throw new AssertionError("guest " + name() + " did not mount its disks:\n" + tail(text));
        }
        synchronized (this) {
            bootMark = mark;
            startedAfter = after.get(0);
        }
        return after;
    }

    /**
     * The last record number the writer of the guest's latest boot reported on the console (it
     * reports every 20th round; the first disk's number), or the one it continued after.
     */
    public synchronized long reportedRecord() {
        String all = consoleText();
        return Math.max(startedAfter, lastProgress(all.length() > bootMark ? all.substring((int) bootMark) : ""));
    }

    /** Waits until the writer reports {@code n} or a later record; returns the record reported. */
    public long awaitRecords(long n, Duration timeout) {
        long mark;
        synchronized (this) {
            mark = bootMark;
        }
        awaitConsole(mark, timeout, t -> lastProgress(t) >= n, "record " + n);
        return reportedRecord();
    }

    /** Waits until the writer reports {@code more} records after the last one reported now. */
    public long awaitMoreRecords(long more, Duration timeout) {
        return awaitRecords(reportedRecord() + more, timeout);
    }

    /** Runs a guest agent command through libvirt ({@code virsh qemu-agent-command}) and returns its reply. */
    public String agent(String json) {
        return Tools.run(List.of("virsh", "-c", TestLibvirt.uri(), "qemu-agent-command", "--timeout", "10", name(),
                json));
    }

    private static long lastProgress(String text) {
        long last = 0;
        Matcher m = PROGRESS.matcher(text);
        while (m.find()) {
            last = Long.parseLong(m.group(1));
        }
        return last;
    }

    private String awaitConsole(long mark, Duration timeout, java.util.function.Predicate<String> done, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String all = consoleText();
            String text = all.length() > mark ? all.substring((int) mark) : "";
            if (done.test(text)) {
                return text;
            }
            if (System.nanoTime() > deadline || !domain.isRunning()) {
                throw new AssertionError("guest " + name() + " (" + state() + ") did not reach " + what + " within "
                        + timeout.toSeconds() + " s; its console ends:\n" + tail(text));
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + name(), e);
            }
        }
    }

    /** libvirt's state of the domain and why, for failure messages ("running, unpaused", "paused, user"). */
    private String state() {
        try {
            return Tools.run(List.of("virsh", "-c", TestLibvirt.uri(), "domstate", "--reason", name())).strip();
        } catch (RuntimeException e) {
            return "state unknown: " + e.getMessage();
        }
    }

    private static int count(Pattern p, String text) {
        int n = 0;
        for (Matcher m = p.matcher(text); m.find(); ) {
            n++;
        }
        return n;
    }

    private static String tail(String text) {
        return text.length() <= 4000 ? text : text.substring(text.length() - 4000);
    }

    @Override
    public void close() {
        domain.close();
    }
}
