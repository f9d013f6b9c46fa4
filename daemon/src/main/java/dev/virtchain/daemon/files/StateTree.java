package dev.virtchain.daemon.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Copies emulator state that belongs to one domain (an emulated TPM's swtpm directory, or the one
 * file a {@code <source type='file'>} names) for its clone, keeping owner, group and mode, as root
 * and without trusting what is in it: the state is written by swtpm's unprivileged user, so a link
 * planted there must not make root read or write anything else.
 *
 * <ul>
 *   <li>Nothing is followed: directories are opened relative to their parent and files opened
 *       with {@code O_NOFOLLOW} ({@link SecureDirectoryStream}); a symbolic link, a socket, FIFO
 *       or device, or a file with more than one hard link is refused.</li>
 *   <li>Bounded: at most {@value #MAX_BYTES} bytes in {@value #MAX_ENTRIES} entries,
 *       {@value #MAX_DEPTH} directories deep, counted while copying (a file that grows meanwhile
 *       is caught too).</li>
 *   <li>All or nothing: the copy is made in a hidden partial sibling, root's, mode 0700, until
 *       it is complete and synced; owner, group and mode are set last, then it is renamed to its
 *       name, which fails rather than replace anything. A partial copy a crash left behind is
 *       removed by the next attempt.</li>
 * </ul>
 */
public final class StateTree {
    public static final long MAX_BYTES = 64L << 20;
    public static final int MAX_ENTRIES = 256;
    public static final int MAX_DEPTH = 4;

    /** What {@link #copy} did. */
    public enum Outcome {
        /** The copy was made now. */
        COPIED,
        /** The origin has no such state (an emulated TPM never started): the clone starts without. */
        NOTHING_TO_COPY,
        /** An identical copy was there already, made by an earlier attempt. */
        ALREADY_COPIED
    }

    /** State that is not copied because copying it would not be safe; nothing was left behind. */
    public static final class Refused extends IOException {
        private static final long serialVersionUID = 1L;

        Refused(Path path, String reason) {
            super(path + " " + reason);
        }
    }

    private StateTree() {}

    /**
     * Copies {@code from} (a directory or a regular file) to {@code to}.
     *
     * @param fresh {@code to}'s name is new to this copy (it holds a UUID chosen for it), so
     *              something found there was left by an earlier attempt and is replaced; otherwise
     *              it is refused unless it is an identical copy already
     */
    public static Outcome copy(Path from, Path to, boolean fresh) throws IOException {
        PosixFileAttributes top;
        try {
            top = Files.readAttributes(from, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return Outcome.NOTHING_TO_COPY;
        }
        if (!top.isDirectory() && !top.isRegularFile()) {
            throw new Refused(from, "is " + kind(top) + ", not a directory or regular file; nothing was copied");
        }
        Path partial = to.resolveSibling("." + to.getFileName() + ".partial");
        if (Files.exists(to, LinkOption.NOFOLLOW_LINKS)) {
            if (identical(from, to)) {
                return Outcome.ALREADY_COPIED;
            }
            if (!fresh) {
                throw new Refused(to, "exists already and is not a copy of " + from);
            }
            delete(to);
        }
        if (Files.exists(partial, LinkOption.NOFOLLOW_LINKS)) {
            delete(partial);
        }
        Budget budget = new Budget();
        try (SecureDirectoryStream<Path> parent = secure(from.getParent())) {
            Path name = from.getFileName();
            if (top.isDirectory()) {
                Files.createDirectory(partial, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                try (SecureDirectoryStream<Path> src = parent.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
                    copyDirectory(src, from, partial, 1, budget);
                }
            } else {
                copyFile(parent, from, partial, top, budget);
            }
            keep(partial, top);
            Files.move(partial, to); // no REPLACE_EXISTING: fails if something appeared at `to`
        } catch (IOException | RuntimeException e) {
            try {
                if (Files.exists(partial, LinkOption.NOFOLLOW_LINKS)) {
                    delete(partial);
                }
            } catch (IOException x) {
                e.addSuppressed(x);
            }
            throw e;
        }
        sync(to.getParent());
        return Outcome.COPIED;
    }

    /**
     * Removes a tree (or file) without following any link in it: a link is removed, not what it
     * points to.
     */
    public static void delete(Path tree) throws IOException {
        Files.walkFileTree(tree, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /**
     * True when both trees have the same names, kinds, owners, groups, modes and contents; links
     * and special files in either make them not identical.
     */
    public static boolean identical(Path a, Path b) throws IOException {
        Map<String, PosixFileAttributes> left = inventory(a);
        Map<String, PosixFileAttributes> right = inventory(b);
        if (left == null || right == null || !left.keySet().equals(right.keySet())) {
            return false;
        }
        for (Map.Entry<String, PosixFileAttributes> e : left.entrySet()) {
            PosixFileAttributes x = e.getValue();
            PosixFileAttributes y = right.get(e.getKey());
            if (x.isDirectory() != y.isDirectory() || !x.owner().equals(y.owner()) || !x.group().equals(y.group())
                    || !x.permissions().equals(y.permissions())) {
                return false;
            }
            if (x.isRegularFile() && (x.size() != y.size()
                    || Files.mismatch(a.resolve(e.getKey()).normalize(), b.resolve(e.getKey()).normalize()) != -1)) {
                return false;
            }
        }
        return true;
    }

    /** Relative path to attributes, or null when the tree has something other than directories and files. */
    private static Map<String, PosixFileAttributes> inventory(Path root) throws IOException {
        Map<String, PosixFileAttributes> out = new TreeMap<>();
        Budget budget = new Budget();
        boolean[] plain = {true};
        Files.walkFileTree(root, Set.of(), MAX_DEPTH + 1, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                return visit(dir);
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                return visit(file);
            }

            private FileVisitResult visit(Path p) throws IOException {
                PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                budget.entry(p);
                if (!a.isDirectory() && !a.isRegularFile()) {
                    plain[0] = false;
                    return FileVisitResult.TERMINATE;
                }
                budget.bytes(p, a.isRegularFile() ? a.size() : 0);
                out.put(root.relativize(p).toString(), a);
                return FileVisitResult.CONTINUE;
            }
        });
        return plain[0] ? out : null;
    }

    private static void copyDirectory(SecureDirectoryStream<Path> src, Path srcPath, Path dst, int depth, Budget budget)
            throws IOException {
        for (Path entry : src) {
            Path name = entry.getFileName();
            Path source = srcPath.resolve(name.toString());
            PosixFileAttributes a = src.getFileAttributeView(name, PosixFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS).readAttributes();
            budget.entry(source);
            Path target = dst.resolve(name.toString());
            if (a.isDirectory()) {
                if (depth >= MAX_DEPTH) {
                    throw new Refused(source, "is nested more than " + MAX_DEPTH + " directories deep; nothing was copied");
                }
                Files.createDirectory(target, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                try (SecureDirectoryStream<Path> sub = src.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
                    copyDirectory(sub, source, target, depth + 1, budget);
                }
                keep(target, a);
            } else if (a.isRegularFile()) {
                copyFile(src, source, target, a, budget);
            } else {
                throw new Refused(source, "is " + kind(a) + "; only directories and regular files are copied, and"
                        + " nothing was");
            }
        }
        sync(dst);
    }

    private static void copyFile(SecureDirectoryStream<Path> dir, Path source, Path target, PosixFileAttributes a,
                                 Budget budget) throws IOException {
        Object links = Files.getAttribute(source, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
        if (links instanceof Integer n && n > 1) {
            throw new Refused(source, "has " + n + " hard links (it may be another file's); nothing was copied");
        }
        try (SeekableByteChannel in = dir.newByteChannel(source.getFileName(), Set.of(StandardOpenOption.READ,
                LinkOption.NOFOLLOW_LINKS));
             FileChannel out = FileChannel.open(target, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                     LinkOption.NOFOLLOW_LINKS), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
            for (int n; (n = in.read(buf)) > 0; ) {
                budget.bytes(source, n);
                buf.flip();
                while (buf.hasRemaining()) {
                    out.write(buf);
                }
                buf.clear();
            }
            out.force(true);
        }
        keep(target, a);
    }

    /** Gives {@code target} the owner, group, mode and times of the original (owner first: chown clears mode bits). */
    private static void keep(Path target, PosixFileAttributes a) throws IOException {
        PosixFileAttributeView v = Files.getFileAttributeView(target, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        v.setOwner(a.owner());
        v.setGroup(a.group());
        v.setPermissions(a.permissions());
        v.setTimes(a.lastModifiedTime(), a.lastAccessTime(), null);
    }

    private static SecureDirectoryStream<Path> secure(Path dir) throws IOException {
        DirectoryStream<Path> s = Files.newDirectoryStream(dir);
        if (s instanceof SecureDirectoryStream<Path> secure) {
            return secure;
        }
        s.close();
        throw new IOException("cannot read " + dir + " without following links on this platform; nothing was copied");
    }

    private static void sync(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static String kind(BasicFileAttributes a) {
        return a.isSymbolicLink() ? "a symbolic link" : a.isOther() ? "a socket, FIFO or device" : "neither file nor directory";
    }

    /** What one copy may still take. */
    private static final class Budget {
        private long bytes;
        private int entries;

        void entry(Path p) throws Refused {
            if (++entries > MAX_ENTRIES) {
                throw new Refused(p, "is one entry more than the " + MAX_ENTRIES + " a state directory may hold;"
                        + " nothing was copied");
            }
        }

        void bytes(Path p, long n) throws Refused {
            bytes += n;
            if (bytes > MAX_BYTES) {
                throw new Refused(p, "takes the state past " + (MAX_BYTES >> 20) + " MiB, more than emulator state"
                        + " holds; nothing was copied");
            }
        }
    }
}
