package dev.virtchain.daemon.ledger;

import java.io.IOException;
import dev.virtchain.daemon.store.AtomicFile;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One ledger file per domain, {@code <state-dir>/ledgers/<uuid>.xml}, named by UUID so a rename
 * of the domain or a hostile name never changes which file is written.
 *
 * <p>Every save replaces the file through {@link AtomicFile}: a crash at any moment leaves either
 * the old or the new file, never a torn one; a left-over temp file is deleted at load.
 */
public final class LedgerStore {
    private static final Pattern UUID = Pattern.compile("[0-9a-fA-F-]{1,64}");
    private static final String SUFFIX = ".xml";

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

    /** What {@link #loadAll} found: readable ledgers, and the files it could not read (left in place). */
    public record Loaded(List<StoredLedger> ledgers, List<LedgerFileException> unreadable) {}

    public Loaded loadAll() {
        List<StoredLedger> ledgers = new ArrayList<>();
        List<LedgerFileException> unreadable = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (name.startsWith(".") && name.endsWith(".tmp")) {
                    Files.deleteIfExists(f); // a save that never reached its rename
                } else if (name.endsWith(SUFFIX)) {
                    try {
                        ledgers.add(read(f));
                    } catch (LedgerFileException e) {
                        unreadable.add(e);
                    }
                }
            }
        } catch (IOException e) {
            throw new LedgerFileException(dir.toString(), "cannot list ledgers: " + e.getMessage(), e);
        }
        ledgers.sort((a, b) -> a.ledger().domainName().compareTo(b.ledger().domainName()));
        return new Loaded(List.copyOf(ledgers), List.copyOf(unreadable));
    }

    public Optional<StoredLedger> load(String uuid) {
        Path f = fileOf(uuid);
        return Files.exists(f) ? Optional.of(read(f)) : Optional.empty();
    }

    /**
     * Replaces the domain's ledger file atomically and durably; returns once it is on disk.
     *
     * <p>The written file is decoded again before it replaces the old one and must read back as
     * exactly the ledger given: text that XML cannot hold (U+FFFE, most control characters) or
     * that UTF-8 cannot encode (a lone surrogate, which would become '?') makes the save fail and
     * leaves the old file in place, instead of writing a file that quarantines its domain at the
     * next start.
     */
    public void save(StoredLedger stored) {
        Path target = fileOf(stored.uuid());
        byte[] encoded;
        try {
            encoded = codec.write(stored);
        } catch (RuntimeException e) {
            throw new LedgerFileException(target.toString(), "cannot encode the ledger of "
                    + stored.ledger().domainName() + ": " + e.getMessage() + "; the file is left unchanged", e);
        }
        try {
            AtomicFile.replace(target, encoded, written -> readsBack(written, stored, target));
        } catch (IOException e) {
            throw new LedgerFileException(target.toString(),
                    "cannot save the ledger of " + stored.ledger().domainName() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Moves a domain's ledger aside (the domain was undefined or migrated away): it is kept, dated,
     * under {@code retired/}, because the images it names may still hold snapshots someone wants.
     */
    public Optional<Path> retire(String uuid) {
        Path f = fileOf(uuid);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").format(clock.instant().atZone(java.time.ZoneOffset.UTC));
        Path dest = retired.resolve(uuid + "-" + stamp + SUFFIX);
        try {
            Files.move(f, dest, StandardCopyOption.ATOMIC_MOVE);
            AtomicFile.syncDirectory(dir);
            AtomicFile.syncDirectory(retired);
            return Optional.of(dest);
        } catch (IOException e) {
            throw new LedgerFileException(f.toString(), "cannot retire it to " + dest + ": " + e.getMessage(), e);
        }
    }

    public Path fileOf(String uuid) {
        if (!UUID.matcher(uuid).matches()) {
            throw new IllegalArgumentException("'" + uuid + "' is not a domain UUID");
        }
        return dir.resolve(uuid + SUFFIX);
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

    private StoredLedger read(Path f) {
        try {
            return codec.read(Files.readAllBytes(f), f.toString());
        } catch (IOException e) {
            throw new LedgerFileException(f.toString(), "cannot read: " + e.getMessage(), e);
        }
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
