package dev.virtchain.daemon.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Emulator state is copied whole, as it is, and never through a link planted in it. */
class StateTreeTest {
    @TempDir
    Path dir;

    /** A directory shaped like libvirt's swtpm state: {@code <uuid>/tpm2/tpm2-00.permall}. */
    private Path origin() throws IOException {
        Path from = dir.resolve("origin");
        Path tpm2 = Files.createDirectories(from.resolve("tpm2"));
        Files.write(tpm2.resolve("tpm2-00.permall"), new byte[] {1, 2, 3, 4});
        Files.write(tpm2.resolve(".lock"), new byte[0]);
        Files.setPosixFilePermissions(tpm2.resolve("tpm2-00.permall"), PosixFilePermissions.fromString("rw-r-----"));
        Files.setPosixFilePermissions(tpm2, PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(from, PosixFilePermissions.fromString("rwx--x--x"));
        return from;
    }

    @Test
    void aStateDirectoryIsCopiedWithItsModesAndNoPartialLeft() throws IOException {
        Path from = origin();
        Path to = dir.resolve("clone");
        assertEquals(StateTree.Outcome.COPIED, StateTree.copy(from, to, true));
        assertArrayEquals(new byte[] {1, 2, 3, 4}, Files.readAllBytes(to.resolve("tpm2/tpm2-00.permall")));
        assertEquals("rw-r-----", mode(to.resolve("tpm2/tpm2-00.permall")));
        assertEquals("rwx------", mode(to.resolve("tpm2")));
        assertEquals("rwx--x--x", mode(to));
        assertEquals(Files.getOwner(from.resolve("tpm2")), Files.getOwner(to.resolve("tpm2")));
        assertTrue(StateTree.identical(from, to));
        assertEquals(List.of("clone", "origin"), names(dir));
        assertEquals(StateTree.Outcome.ALREADY_COPIED, StateTree.copy(from, to, false), "a second run reuses the copy");
    }

    @Test
    void nothingToCopyWhenTheOriginHasNoState() throws IOException {
        assertEquals(StateTree.Outcome.NOTHING_TO_COPY, StateTree.copy(dir.resolve("none"), dir.resolve("clone"), true));
        assertEquals(List.of(), names(dir));
    }

    @Test
    void aSymlinkInTheStateIsRefusedAndNothingIsLeft() throws IOException {
        Path from = origin();
        Path secret = Files.write(dir.resolve("secret"), new byte[] {9});
        Files.createSymbolicLink(from.resolve("tpm2/tpm2-01.permall"), secret);
        Path to = dir.resolve("clone");
        StateTree.Refused e = assertThrows(StateTree.Refused.class, () -> StateTree.copy(from, to, true));
        assertTrue(e.getMessage().contains("symbolic link"), e.getMessage());
        assertEquals(List.of("origin", "secret"), names(dir), "no clone and no partial copy");
    }

    @Test
    void aStateDirectoryThatIsItselfALinkIsRefused() throws IOException {
        Path real = origin();
        Path from = Files.createSymbolicLink(dir.resolve("link"), real);
        assertThrows(StateTree.Refused.class, () -> StateTree.copy(from, dir.resolve("clone"), true));
        assertFalse(Files.exists(dir.resolve("clone")));
    }

    @Test
    void aHardLinkedFileIsRefused() throws IOException {
        Path from = origin();
        Path other = Files.write(dir.resolve("other"), new byte[] {7});
        Files.createLink(from.resolve("tpm2/tpm2-02.permall"), other);
        StateTree.Refused e = assertThrows(StateTree.Refused.class, () -> StateTree.copy(from, dir.resolve("clone"), true));
        assertTrue(e.getMessage().contains("hard links"), e.getMessage());
    }

    @Test
    void aFifoIsRefusedWithoutBeingOpened() throws Exception {
        Path from = origin();
        Process p = new ProcessBuilder("mkfifo", from.resolve("tpm2/fifo").toString()).start();
        assertEquals(0, p.waitFor());
        assertThrows(StateTree.Refused.class, () -> StateTree.copy(from, dir.resolve("clone"), true));
        assertFalse(Files.exists(dir.resolve("clone")));
    }

    @Test
    void stateLargerThanTheBoundIsRefused() throws IOException {
        Path from = origin();
        try (var ch = java.nio.channels.FileChannel.open(from.resolve("tpm2/big"), java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[1]), StateTree.MAX_BYTES); // sparse: costs no space
        }
        StateTree.Refused e = assertThrows(StateTree.Refused.class, () -> StateTree.copy(from, dir.resolve("clone"), true));
        assertTrue(e.getMessage().contains("64 MiB"), e.getMessage());
        assertEquals(List.of("origin"), names(dir));
    }

    @Test
    void tooManyEntriesAreRefused() throws IOException {
        Path from = origin();
        for (int i = 0; i < StateTree.MAX_ENTRIES; i++) {
            Files.write(from.resolve("tpm2/f" + i), new byte[0]);
        }
        assertThrows(StateTree.Refused.class, () -> StateTree.copy(from, dir.resolve("clone"), true));
        assertEquals(List.of("origin"), names(dir));
    }

    @Test
    void aPartialCopyACrashLeftIsReplacedAndADifferentCopyTooWhenTheNameIsFresh() throws IOException {
        Path from = origin();
        Path to = dir.resolve("clone");
        Files.createDirectories(dir.resolve(".clone.partial/tpm2"));
        Files.createDirectories(to.resolve("tpm2"));
        Files.write(to.resolve("tpm2/tpm2-00.permall"), new byte[] {0});
        assertThrows(StateTree.Refused.class, () -> StateTree.copy(from, to, false),
                "a name that is not fresh may belong to someone else");
        assertArrayEquals(new byte[] {0}, Files.readAllBytes(to.resolve("tpm2/tpm2-00.permall")));
        assertEquals(StateTree.Outcome.COPIED, StateTree.copy(from, to, true));
        assertTrue(StateTree.identical(from, to));
        assertEquals(List.of("clone", "origin"), names(dir));
    }

    @Test
    void aSingleStateFileIsCopiedToo() throws IOException {
        Path from = Files.write(dir.resolve("web1.state"), new byte[] {5, 6});
        Files.setPosixFilePermissions(from, PosixFilePermissions.fromString("rw-------"));
        Path to = dir.resolve("web1-test.state");
        assertEquals(StateTree.Outcome.COPIED, StateTree.copy(from, to, false));
        assertArrayEquals(new byte[] {5, 6}, Files.readAllBytes(to));
        assertEquals("rw-------", mode(to));
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    private static List<String> names(Path d) throws IOException {
        try (var s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
