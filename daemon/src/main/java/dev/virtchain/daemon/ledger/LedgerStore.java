package dev.virtchain.daemon.ledger;

import dev.virtchain.daemon.ledger.LedgerFileException.Kind;
import dev.virtchain.daemon.store.AtomicFile;
import dev.virtchain.libvirt.DaemonThreads;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;

/**
 * One ledger file per domain, {@code <state-dir>/ledgers/<uuid>.xml}, named by UUID so a rename
 * of the domain or a hostile name never changes which file is written, with the generation before
 * it kept beside it as {@code <uuid>.xml.prev}. The file format is {@link LedgerCodec}'s.
 *
 * <p>A save of generation N+1 goes:
 * <ol>
 * <li>write {@code .<uuid>.xml.<random>.tmp}, fsync it, read it back and decode it (it must be
 * exactly the ledger given, or nothing is replaced);
 * <li>hard-link the current file (generation N) as {@code .<uuid>.xml.prev.tmp} and rename that
 * over {@code <uuid>.xml.prev};
 * <li>rename the temporary file over {@code <uuid>.xml};
 * <li>fsync the directory; only then does the save return.
 * </ol>
 * What a crash leaves, and what the next load makes of it:
 * <ul>
 * <li>during or after 1: generation N as current, N-1 as previous, a temporary file, which the
 * load deletes. The save had not returned, so nothing was done on its strength.
 * <li>after the link in 2: the same, plus the link, deleted too.
 * <li>after the rename in 2: generation N as both current and previous (one file, two names).
 * <li>after 3, before 4: generation N+1 as current and N as previous. A power cut here may undo
 * any of the renames (the directory was not synced yet); every mix still has a whole current file,
 * and the previous one is at worst one generation older.
 * </ul>
 * The current file is never absent and never half-written, since files are only ever replaced by
 * rename. Damage that happens anyway (a bad disk, a filesystem that lost its data) is caught by the
 * checksum on load: then the previous generation stands in, and its operation record is marked as
 * possibly under way (the save it lacks may have been the one that recorded the next step
 * starting), so recovery reads the truth before it acts. The damaged file is kept as
 * {@code <uuid>.xml.damaged-<time>} and the previous generation is saved again as the current one.
 * Only when neither generation can be read is the domain left alone (quarantined), with a
 * message naming both files. A file from a newer virtchaind is never replaced by an older
 * generation: its domain is quarantined with a message naming the file and its version.
 */
public final class LedgerStore {
    private static final Pattern UUID = Pattern.compile("[0-9a-fA-F-]{1,64}");
    static final String SUFFIX = ".xml";
    static final String PREVIOUS_SUFFIX = ".xml.prev";
    static final String DAMAGED_INFIX = ".xml.damaged-";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");

    private final Path dir;
    private final Path retired;
    private final LedgerCodec codec = new LedgerCodec();
    private final Clock clock;

    public LedgerStore(Path stateDir, Clock clock) {
        this.dir = stateDir.resolve("ledgers");
        this.retired = stateDir.resolve("retired");
        this.clock = clock;
        try {
            createPrivateDirectory(stateDir);
            createPrivateDirectory(dir);
            createPrivateDirectory(retired);
        } catch (IOException e) {
            throw new LedgerFileException(dir.toString(), "cannot create the ledger directory: " + e.getMessage(), e);
        }
    }

    /** A domain whose ledger could not be loaded: its UUID and why, naming the files. */
    public record Unreadable(String uuid, String problem) {}

    /**
     * What {@link #loadAll} found: the ledgers to manage, the domains left alone, and what was
     * repaired (for the log).
     */
    public record Loaded(List<StoredLedger> ledgers, List<Unreadable> unreadable, List<String> repaired) {}

    /** One file of a domain as read: its contents, why they cannot be used, or neither when it is absent. */
    public record FileState(Path file, Optional<LedgerCodec.Decoded> contents, Optional<LedgerFileException> problem) {
        public boolean present() {
            return contents.isPresent() || problem.isPresent();
        }

        public boolean readable() {
            return contents.isPresent();
        }
    }

    /** Both generations of one domain's ledger, as found on disk. */
    public record Generations(String uuid, FileState current, FileState previous) {
        /**
         * What the daemon manages for this domain: the current generation when it reads, else the
         * previous one (its operation marked as possibly under way); empty, with {@link #problem},
         * when neither can stand.
         */
        public Optional<StoredLedger> usable() {
            if (current.readable()) {
                return Optional.of(current.contents().orElseThrow().stored());
            }
            if (newer(current) || !previous.readable()) {
                return Optional.empty();
            }
            StoredLedger prev = previous.contents().orElseThrow().stored();
            return Optional.of(prev.operation()
                    .filter(op -> !op.finished() && !op.stepStarted())
                    .map(op -> prev.with(op.starting()))
                    .orElse(prev));
        }

        /** Whether {@link #usable} is the previous generation. */
        public boolean fromPrevious() {
            return !current.readable() && usable().isPresent();
        }

        /** Why this domain cannot be managed, naming both files; empty when {@link #usable} is present. */
        public Optional<String> problem() {
            if (usable().isPresent()) {
                return Optional.empty();
            }
            if (newer(current)) {
                return Optional.of(current.problem().orElseThrow().getMessage()
                        + "; the previous generation is not used in its place");
            }
            return Optional.of("the ledger of the domain with UUID " + uuid + " cannot be read in either generation: current "
                    + describe(current) + "; previous " + describe(previous)
                    + "; both files are left in place and the domain is left alone");
        }

        private static boolean newer(FileState f) {
            return f.problem().map(p -> p.kind() == Kind.NEWER).orElse(false);
        }

        private static String describe(FileState f) {
            return f.problem().map(Throwable::getMessage).orElse(f.file() + " does not exist");
        }
    }

    /** Everything in the ledger directory, read without changing anything: for {@code --check-state}. */
    public record Inspection(Path dir, List<Generations> domains, List<String> otherFiles) {}

    /**
     * Reads every domain's files and changes nothing: no temporary file is removed, no damaged file
     * moved. Safe beside a running daemon (which may be in the middle of a save: its temporary
     * file then shows among the other files).
     */
    public static Inspection inspect(Path stateDir) {
        Path dir = stateDir.resolve("ledgers");
        LedgerCodec codec = new LedgerCodec();
        TreeSet<String> uuids = new TreeSet<>();
        List<String> others = new ArrayList<>();
        for (Path f : list(dir)) {
            String name = f.getFileName().toString();
            Optional<String> uuid = uuidOf(name);
            if (uuid.isPresent()) {
                uuids.add(uuid.get());
            } else {
                others.add(name);
            }
        }
        List<Generations> domains = new ArrayList<>();
        for (String uuid : uuids) {
            domains.add(generations(codec, dir, uuid));
        }
        others.sort(String::compareTo);
        return new Inspection(dir, List.copyOf(domains), List.copyOf(others));
    }

    /**
     * Loads every ledger at start, with the state lock held: deletes temporary files of saves a
     * crash interrupted, and where the current generation is damaged puts the previous one back
     * in its place (see the class comment). Files that cannot be used are left in place.
     */
    public Loaded loadAll() {
        List<StoredLedger> ledgers = new ArrayList<>();
        List<Unreadable> unreadable = new ArrayList<>();
        List<String> repaired = new ArrayList<>();
        TreeSet<String> uuids = new TreeSet<>();
        for (Path f : list(dir)) {
            String name = f.getFileName().toString();
            if (name.startsWith(".") && name.endsWith(".tmp")) {
                try {
                    Files.deleteIfExists(f); // a save that never reached its rename
                } catch (IOException e) {
                    throw new LedgerFileException(f.toString(), "cannot remove this temporary file of an"
                            + " interrupted save: " + e.getMessage(), e);
                }
            } else {
                uuidOf(name).ifPresent(uuids::add);
            }
        }
        // The previous generation is read only where the current one cannot stand, and what that
        // repairs is done in order, one at a time.
        List<FileState> currents = readCurrents(List.copyOf(uuids));
        int i = 0;
        for (String uuid : uuids) {
            FileState current = currents.get(i++);
            if (current.readable()) {
                ledgers.add(current.contents().orElseThrow().stored());
                continue;
            }
            Generations g = new Generations(uuid, current, readState(codec, dir, uuid, PREVIOUS_SUFFIX));
            Optional<StoredLedger> usable = g.usable();
            if (usable.isEmpty()) {
                unreadable.add(new Unreadable(uuid, g.problem().orElseThrow()));
            } else if (!g.fromPrevious()) {
                ledgers.add(usable.get());
            } else {
                try {
                    ledgers.add(restorePrevious(g, usable.get(), repaired));
                } catch (LedgerFileException e) {
                    unreadable.add(new Unreadable(uuid, "the current generation of the ledger of domain " + uuid
                            + " is damaged and the previous one could not be put back: " + e.getMessage()));
                }
            }
        }
        ledgers.sort((a, b) -> a.ledger().domainName().compareTo(b.ledger().domainName()));
        return new Loaded(List.copyOf(ledgers), List.copyOf(unreadable), List.copyOf(repaired));
    }

    /**
     * The current generation of each domain's ledger, in the order given. Decoding is most of a
     * start's reading (a thousand domains, a thousand files), so it runs on all processors but
     * one: the daemon reads while libvirtd answers its connection, which on a large host takes as
     * long and is what the start waits for.
     */
    private List<FileState> readCurrents(List<String> uuids) {
        int threads = Math.min(1 + uuids.size() / 64, Runtime.getRuntime().availableProcessors() - 1);
        if (threads <= 1) {
            return uuids.stream().map(uuid -> readState(codec, dir, uuid, SUFFIX)).toList();
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads, DaemonThreads.numbered("ledger-read-"));
        try {
            List<Future<FileState>> read = pool.invokeAll(uuids.stream()
                    .map(uuid -> (Callable<FileState>) () -> readState(codec, dir, uuid, SUFFIX))
                    .toList());
            List<FileState> out = new ArrayList<>(read.size());
            for (Future<FileState> f : read) {
                out.add(f.get());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the ledgers", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** Keeps the damaged current file aside and saves the previous generation as the current one. */
    private StoredLedger restorePrevious(Generations g, StoredLedger previous, List<String> repaired) {
        Path current = g.current().file();
        String kept = "";
        if (Files.exists(current, LinkOption.NOFOLLOW_LINKS)) {
            Path aside = current.resolveSibling(g.uuid() + DAMAGED_INFIX + stamp());
            try {
                Files.move(current, aside, StandardCopyOption.ATOMIC_MOVE);
                AtomicFile.syncDirectory(dir);
            } catch (IOException e) {
                throw new LedgerFileException(current.toString(), "cannot move the damaged file aside to " + aside
                        + ": " + e.getMessage(), e);
            }
            kept = "; the damaged file is kept as " + aside;
        }
        // No current file now, so this save leaves the previous generation where it is.
        StoredLedger saved = save(previous);
        repaired.add((g.current().present() ? g.current().problem().orElseThrow().getMessage()
                : "ledger file " + current + " is missing")
                + "; domain " + previous.ledger().domainName() + " goes on from the previous generation "
                + g.previous().file() + " (generation " + previous.version() + ")"
                + previous.operation().map(op -> ", whose operation " + op.id() + " (" + op.description()
                        + ") recovery settles").orElse("")
                + ", saved again as generation " + saved.version() + kept);
        return saved;
    }

    /** The domain's ledger as {@link #loadAll} would take it, without changing anything; empty when absent. */
    public Optional<StoredLedger> load(String uuid) {
        Generations g = generations(codec, dir, uuid);
        if (!g.current().present() && !g.previous().present()) {
            return Optional.empty();
        }
        return Optional.of(g.usable().orElseThrow(() -> new LedgerFileException(Kind.DAMAGED,
                g.current().file().toString(), g.problem().orElseThrow(), null)));
    }

    /**
     * Writes {@code next} as the generation after the one it was made from, atomically and
     * durably, keeping the generation it replaces as the previous one (see the class comment);
     * returns what was written, whose version is the new generation. Whether {@code next} was made
     * from the newest generation is {@link LedgerBook}'s to check.
     *
     * <p>The written file is decoded again before it replaces the old one and must read back as
     * exactly the ledger given: text that XML cannot hold (U+FFFE, most control characters) or
     * that UTF-8 cannot encode (a lone surrogate, which would become '?') makes the save fail and
     * leaves the old file in place, instead of writing a file that quarantines its domain at the
     * next start.
     */
    public StoredLedger save(StoredLedger next) {
        Path target = fileOf(next.uuid());
        StoredLedger written = next.atVersion(next.version() + 1);
        byte[] encoded;
        try {
            encoded = codec.write(written);
        } catch (RuntimeException e) {
            throw new LedgerFileException(target.toString(), "cannot encode the ledger of "
                    + next.ledger().domainName() + ": " + e.getMessage() + "; the file is left unchanged", e);
        }
        try {
            AtomicFile.replace(target, encoded, bytes -> readsBack(bytes, written, target), previousOf(next.uuid()));
        } catch (IOException e) {
            throw new LedgerFileException(target.toString(),
                    "cannot save the ledger of " + next.ledger().domainName() + ": " + e.getMessage(), e);
        }
        return written;
    }

    /**
     * Moves a domain's ledger aside (the domain was undefined or migrated away): it is kept, dated,
     * under {@code retired/}, with its previous generation, because the images it names may still
     * hold snapshots someone wants.
     */
    public Optional<Path> retire(String uuid) {
        Path f = fileOf(uuid);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        String stamp = stamp();
        Path dest = retired.resolve(uuid + "-" + stamp + SUFFIX);
        try {
            // The previous generation first: a crash between the two moves must not leave it alone
            // in ledgers/, where the next start would take it for a damaged domain's fallback.
            Path prev = previousOf(uuid);
            if (Files.exists(prev, LinkOption.NOFOLLOW_LINKS)) {
                Files.move(prev, retired.resolve(uuid + "-" + stamp + PREVIOUS_SUFFIX), StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(f, dest, StandardCopyOption.ATOMIC_MOVE);
            AtomicFile.syncDirectory(dir);
            AtomicFile.syncDirectory(retired);
            return Optional.of(dest);
        } catch (IOException e) {
            throw new LedgerFileException(f.toString(), "cannot retire it to " + dest + ": " + e.getMessage(), e);
        }
    }

    public Path fileOf(String uuid) {
        return dir.resolve(checked(uuid) + SUFFIX);
    }

    /** Where the generation before the current one is kept. */
    public Path previousOf(String uuid) {
        return dir.resolve(checked(uuid) + PREVIOUS_SUFFIX);
    }

    private static String checked(String uuid) {
        if (!UUID.matcher(uuid).matches()) {
            throw new IllegalArgumentException("'" + uuid + "' is not a domain UUID");
        }
        return uuid;
    }

    private void readsBack(byte[] written, StoredLedger stored, Path target) throws IOException {
        StoredLedger back;
        try {
            back = codec.read(written, target.toString());
        } catch (RuntimeException e) {
            throw new IOException("the new ledger would not read back (" + e.getMessage()
                    + "); the file is left unchanged", e);
        }
        if (!back.equals(stored)) {
            throw new IOException("the new ledger reads back differently from what was saved (it holds text the"
                    + " ledger file cannot keep); the file is left unchanged");
        }
    }

    private String stamp() {
        return STAMP.format(clock.instant().atZone(java.time.ZoneOffset.UTC));
    }

    /** The domain UUID a ledger file's name stands for: {@code <uuid>.xml} and {@code <uuid>.xml.prev}. */
    private static Optional<String> uuidOf(String name) {
        String stem;
        if (name.endsWith(PREVIOUS_SUFFIX)) {
            stem = name.substring(0, name.length() - PREVIOUS_SUFFIX.length());
        } else if (name.endsWith(SUFFIX)) {
            stem = name.substring(0, name.length() - SUFFIX.length());
        } else {
            return Optional.empty();
        }
        return UUID.matcher(stem).matches() ? Optional.of(stem) : Optional.empty();
    }

    private static Generations generations(LedgerCodec codec, Path dir, String uuid) {
        return new Generations(uuid, readState(codec, dir, uuid, SUFFIX),
                readState(codec, dir, uuid, PREVIOUS_SUFFIX));
    }

    /**
     * One generation of the ledger of the domain with UUID {@code uuid}. A file that decodes but
     * belongs to another domain (copied or renamed by hand) cannot stand for this one: the daemon
     * would manage this domain's disks with another's chains.
     */
    private static FileState readState(LedgerCodec codec, Path dir, String uuid, String suffix) {
        Path f = dir.resolve(uuid + suffix);
        byte[] bytes;
        try {
            long size = Files.size(f);
            if (size > LedgerFrame.HEADER_LENGTH + (long) LedgerFrame.MAX_BODY) {
                return new FileState(f, Optional.empty(), Optional.of(new LedgerFileException(Kind.DAMAGED,
                        f.toString(), size + " bytes is more than any ledger file holds", null)));
            }
            bytes = Files.readAllBytes(f);
        } catch (NoSuchFileException e) {
            return new FileState(f, Optional.empty(), Optional.empty());
        } catch (IOException e) {
            return new FileState(f, Optional.empty(),
                    Optional.of(new LedgerFileException(f.toString(), "cannot read: " + e.getMessage(), e)));
        }
        try {
            LedgerCodec.Decoded decoded = codec.decode(bytes, f.toString());
            var domain = decoded.stored().ledger().domain();
            if (!domain.uuid().equalsIgnoreCase(uuid)) {
                return new FileState(f, Optional.empty(), Optional.of(new LedgerFileException(Kind.DAMAGED,
                        f.toString(), "it is the ledger of domain " + domain.name() + " (UUID " + domain.uuid()
                        + "), not of the domain its name gives (UUID " + uuid + "); a ledger file is named after"
                        + " its domain's UUID, so it was copied or renamed", null)));
            }
            return new FileState(f, Optional.of(decoded), Optional.empty());
        } catch (LedgerFileException e) {
            return new FileState(f, Optional.empty(), Optional.of(e));
        }
    }

    private static List<Path> list(Path dir) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            files.forEach(out::add);
        } catch (NoSuchFileException e) {
            return out;
        } catch (IOException e) {
            throw new LedgerFileException(dir.toString(), "cannot list ledgers: " + e.getMessage(), e);
        }
        out.sort(null);
        return out;
    }

    /** Creates {@code d} (and any missing parent) mode 0700: the state says which files hold every snapshot. */
    private static void createPrivateDirectory(Path d) throws IOException {
        if (Files.isDirectory(d)) {
            return;
        }
        Path parent = d.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            createPrivateDirectory(parent);
        }
        Files.createDirectory(d, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------")); // umask may have narrowed it
    }
}
