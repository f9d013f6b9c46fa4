package dev.virtchain.daemon.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The state directory's lock: one daemon per state directory. Two daemons on one directory
 * (started with different sockets) would both recover the same operations, and one would delete
 * the other's temporary ledger files; so the daemon takes this lock before it reads, creates or
 * deletes anything in the directory, and holds it until it exits (the kernel releases it even
 * after kill -9).
 *
 * <p>The lock is an exclusive {@code fcntl} lock on {@code <state-dir>/lock}, a file opened
 * without following links (a link planted there is refused, never followed), mode 0600, holding
 * the holder's PID so that a second daemon can say who holds it. The PID is only for the
 * message; the lock itself is what counts, so a file left by a dead daemon is simply taken over.
 */
public final class StateLock implements AutoCloseable {

    /** The lock file's name in the state directory. */
    public static final String FILE_NAME = "lock";

    /** The directory is held by another process. */
    public static final class Held extends IOException {
        private static final long serialVersionUID = 1L;

        private final OptionalLong holder;

        Held(Path file, OptionalLong holder) {
            super("the state directory " + file.getParent() + " is in use by another virtchaind ("
                    + (holder.isPresent() ? "pid " + holder.getAsLong() : "pid unknown") + ", lock " + file
                    + "); stop that daemon first, or give this one its own --state-dir");
            this.holder = holder;
        }

        /** The holder's PID as it wrote it, when readable. */
        public OptionalLong holder() {
            return holder;
        }
    }

    private final FileChannel channel;
    private final FileLock lock;

    private StateLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Creates {@code stateDir} (mode 0700) when missing, checks it with {@code trust}, and takes its
     * lock for process {@code pid}.
     *
     * @throws Held when another process holds it
     * @throws UnsafeDirectory when the directory could be changed by others
     */
    public static StateLock acquire(Path stateDir, TrustedDirectory trust, long pid) throws IOException {
        Path dir = stateDir.toAbsolutePath().normalize();
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            createPrivate(dir);
        }
        trust.check(dir, "state directory", "--state-dir (state-dir in [daemon])");
        Path file = dir.resolve(FILE_NAME);
        FileChannel channel;
        try {
            channel = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (IOException e) {
            throw new IOException("cannot open the state directory's lock " + file + " (" + e.getMessage()
                    + "); it must be a regular file, not a link: remove it and start again", e);
        }
        try {
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException("the state directory's lock " + file + " is not a regular file; remove it");
            }
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // this JVM holds it already: as busy as another process holding it
            }
            if (lock == null) {
                throw new Held(file, holder(channel));
            }
            byte[] text = (pid + "\n").getBytes(StandardCharsets.US_ASCII);
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(text), 0);
            // Not synced: the PID is only for a message, and no lock outlives a crash of the host.
            // A sync here waited for the file system's journal, up to 100 ms of every start.
            return new StateLock(channel, lock);
        } catch (IOException | RuntimeException e) {
            try {
                channel.close();
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /**
     * Which process holds the lock of {@code stateDir}, found without taking it or opening the
     * file for writing: the kernel's list of file locks ({@code /proc/locks}) is searched for a
     * lock on the lock file's inode. Taking even a shared lock to find out would, for an instant,
     * make a daemon starting beside the reader fail (and systemd not restart it after exit status
     * 2), so a reader such as {@code --check-state} asks this instead.
     *
     * @return the holder's PID; empty when nobody holds it, the file does not exist, or the
     * kernel's list cannot be read
     */
    public static OptionalLong holderOf(Path stateDir) {
        return holderOf(stateDir, Path.of("/proc/locks"));
    }

    static OptionalLong holderOf(Path stateDir, Path procLocks) {
        Path file = stateDir.toAbsolutePath().normalize().resolve(FILE_NAME);
        long inode;
        long device;
        try {
            inode = (Long) Files.getAttribute(file, "unix:ino", LinkOption.NOFOLLOW_LINKS);
            device = (Long) Files.getAttribute(file, "unix:dev", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return OptionalLong.empty();
        }
        // st_dev as the kernel prints it in /proc/locks: major:minor:inode, in hex and hex and decimal.
        long major = ((device >>> 8) & 0xfff) | ((device >>> 32) & ~0xfffL);
        long minor = (device & 0xff) | ((device >>> 12) & ~0xffL);
        String id = String.format("%02x:%02x:%d", major, minor, inode);
        try (var lines = Files.lines(procLocks, StandardCharsets.US_ASCII)) {
            return lines.map(line -> line.trim().split("\\s+"))
                    // "1: POSIX ADVISORY WRITE 4242 08:01:1234 0 EOF"; waiters ("1: -> POSIX ...") do not hold it.
                    .filter(f -> f.length >= 6 && (f[1].equals("POSIX") || f[1].equals("OFDLCK")) && f[5].equalsIgnoreCase(id)
                            && f[4].matches("[0-9]{1,19}"))
                    .mapToLong(f -> Long.parseLong(f[4]))
                    .findFirst();
        } catch (IOException | java.io.UncheckedIOException e) {
            return OptionalLong.empty();
        }
    }

    private static OptionalLong holder(FileChannel channel) {
        try {
            ByteBuffer buffer = ByteBuffer.allocate(32);
            channel.read(buffer, 0);
            String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).strip();
            return text.matches("[0-9]{1,19}") ? OptionalLong.of(Long.parseLong(text)) : OptionalLong.empty();
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private static void createPrivate(Path dir) throws IOException {
        Path parent = dir.getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            Files.createDirectories(parent);
        }
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------")); // umask may have narrowed it
    }

    /** Whether this daemon still holds the lock. */
    public boolean held() {
        return lock.isValid();
    }

    /** Releases the lock; the file stays (removing it would race with a daemon starting). */
    @Override
    public void close() throws IOException {
        channel.close();
    }
}
