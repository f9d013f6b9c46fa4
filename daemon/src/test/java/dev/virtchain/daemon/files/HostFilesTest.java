package dev.virtchain.daemon.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where export and blockcopy may write, and how the daemon creates and removes what it writes:
 * each refusal says why and lists the allowed directories, and no file outside them is created,
 * changed or deleted.
 */
class HostFilesTest {
    @TempDir
    Path tmp;
    Path exports;
    Path copies;
    Path elsewhere;
    HostFiles files;

    @BeforeEach
    void directories() throws Exception {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
        exports = tmp.resolve("state/exports");
        copies = tmp.resolve("state/copies");
        elsewhere = Files.createDirectory(tmp.resolve("elsewhere"));
        files = new HostFiles(List.of(), List.of(), List.of(exports), List.of(copies));
        Files.createDirectory(tmp.resolve("state"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        assertEquals(List.of(), files.prepareDirectories(tmp.resolve("state")));
    }

    private DestinationRefused refused(HostFiles.Kind kind, Path p) {
        return assertThrows(DestinationRefused.class, () -> files.destination(kind, p));
    }

    @Test
    void directoriesAreMadePrivateAndCopiesTraversable() throws Exception {
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(exports)));
        assertEquals("rwx--x--x", PosixFilePermissions.toString(Files.getPosixFilePermissions(copies)));
        assertEquals("rwx--x--x", PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("state"))));
    }

    @Test
    void aCopyDirectoryQemuCannotReachIsReportedNotChanged() throws Exception {
        Path closed = Files.createDirectory(tmp.resolve("closed"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        HostFiles f = new HostFiles(List.of(), List.of(), List.of(exports), List.of(closed.resolve("copies")));
        List<String> problems = f.prepareDirectories(tmp.resolve("state"));
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains(closed + ", which QEMU's user cannot traverse"), problems.get(0));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(closed)));
    }

    @Test
    void aNewFileInAnAllowedDirectoryIsAccepted() throws Exception {
        Path sub = Files.createDirectory(exports.resolve("web1"));
        assertEquals(exports.toRealPath().resolve("a.qcow2"), files.destination(HostFiles.Kind.EXPORT, exports.resolve("a.qcow2")));
        assertEquals(sub.toRealPath().resolve("b.qcow2"), files.destination(HostFiles.Kind.EXPORT, sub.resolve("b.qcow2")));
    }

    @Test
    void outsideTheDirectoriesOfItsKindIsRefusedWithTheListAndTheKey() {
        DestinationRefused e = refused(HostFiles.Kind.EXPORT, elsewhere.resolve("x.qcow2"));
        assertTrue(e.getMessage().contains("outside the allowed directories"), e.getMessage());
        assertTrue(e.getMessage().contains("[" + exports + "]") && e.getMessage().contains("export-dirs"), e.getMessage());
        // a copy may not go where exports go, nor the other way round
        assertTrue(refused(HostFiles.Kind.COPY, exports.resolve("x.qcow2")).getMessage().contains("copy-dirs"));
        refused(HostFiles.Kind.EXPORT, copies.resolve("x.qcow2"));
        refused(HostFiles.Kind.EXPORT, Path.of("/etc/cron.d/virtchain"));
        refused(HostFiles.Kind.EXPORT, Path.of("relative.qcow2"));
        refused(HostFiles.Kind.EXPORT, Path.of(exports + "/../elsewhere/x.qcow2"));
        refused(HostFiles.Kind.EXPORT, exports.resolve("missing-dir/x.qcow2"));
    }

    @Test
    void existingFilesAndSymlinksDanglingOrNotAreRefusedAndLeftAlone() throws Exception {
        Path existing = Files.writeString(exports.resolve("existing.qcow2"), "keep me");
        assertTrue(refused(HostFiles.Kind.EXPORT, existing).getMessage().contains("already exists"));
        assertEquals("keep me", Files.readString(existing));

        Path dangling = Files.createSymbolicLink(exports.resolve("dangling.qcow2"), elsewhere.resolve("target"));
        assertTrue(refused(HostFiles.Kind.EXPORT, dangling).getMessage().contains("symbolic link"));
        assertFalse(Files.exists(elsewhere.resolve("target")), "nothing was created where the link points");

        Path dirLink = Files.createSymbolicLink(exports.resolve("out"), elsewhere);
        assertTrue(refused(HostFiles.Kind.EXPORT, dirLink.resolve("x.qcow2")).getMessage().contains("leads to"));
    }

    @Test
    void aDirectoryOthersCanWriteIsRefused() throws Exception {
        Path shared = Files.createDirectory(exports.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        DestinationRefused e = refused(HostFiles.Kind.EXPORT, shared.resolve("x.qcow2"));
        assertTrue(e.getMessage().contains("only root can write"), e.getMessage());
    }

    @Test
    void creationIsExclusivePrivateAndNeverFollowsALinkSwappedIn() throws Exception {
        Path p = files.destination(HostFiles.Kind.COPY, copies.resolve("c.qcow2"));
        // a symlink swapped in after the check: creation refuses instead of following it
        Files.createSymbolicLink(p, elsewhere.resolve("victim"));
        assertThrows(DestinationRefused.class, () -> HostFiles.createExclusive(p));
        assertFalse(Files.exists(elsewhere.resolve("victim")));
        Files.delete(p);

        CreatedFile created = HostFiles.createExclusive(p);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
        assertTrue(created.stillOurs());
        assertThrows(DestinationRefused.class, () -> HostFiles.createExclusive(p));
    }

    @Test
    void cleanupDeletesOnlyTheFileItCreated() throws Exception {
        Path p = copies.resolve("d.qcow2");
        CreatedFile created = HostFiles.createExclusive(p);
        // someone replaced it (another request's file now has the name): left alone
        Files.delete(p);
        Files.writeString(p, "not ours");
        assertFalse(created.stillOurs());
        assertFalse(created.deleteIfOurs());
        assertEquals("not ours", Files.readString(p));
        Files.delete(p);
        // a symlink in its place is not followed, nor deleted
        Files.createSymbolicLink(p, elsewhere.resolve("victim2"));
        Files.writeString(elsewhere.resolve("victim2"), "victim");
        assertFalse(created.deleteIfOurs());
        assertEquals("victim", Files.readString(elsewhere.resolve("victim2")));
        assertTrue(Files.isSymbolicLink(p));
        Files.delete(p);

        CreatedFile mine = HostFiles.createExclusive(p);
        assertTrue(mine.deleteIfOurs());
        assertFalse(Files.exists(p, LinkOption.NOFOLLOW_LINKS));
        assertTrue(mine.deleteIfOurs(), "gone already is done");
    }

    @Test
    void twoRequestsForOnePathOneWinsTheLoserDeletesNothing() throws Exception {
        Path p = copies.resolve("race.qcow2");
        int racers = 8;
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(racers);
        List<Future<CreatedFile>> results = new ArrayList<>();
        for (int i = 0; i < racers; i++) {
            results.add(pool.submit(() -> {
                files.destination(HostFiles.Kind.COPY, p);
                go.await();
                return HostFiles.createExclusive(p);
            }));
        }
        go.countDown();
        List<CreatedFile> won = new ArrayList<>();
        int lost = 0;
        for (Future<CreatedFile> f : results) {
            try {
                won.add(f.get());
            } catch (java.util.concurrent.ExecutionException e) {
                assertTrue(e.getCause() instanceof DestinationRefused, e.toString());
                lost++;
            }
        }
        pool.shutdown();
        assertEquals(1, won.size());
        assertEquals(racers - 1, lost);
        Files.writeString(p, "the winner's data");
        assertTrue(won.get(0).stillOurs(), "writing keeps the identity");
        try (Stream<Path> left = Files.list(copies)) {
            assertEquals(List.of(p), left.toList());
        }
        assertEquals("the winner's data", Files.readString(p));
    }
}
