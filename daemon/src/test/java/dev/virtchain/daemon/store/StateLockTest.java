package dev.virtchain.daemon.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state directory's lock and the checks on the directories the daemon trusts (two real daemons: DaemonProcessTest). */
class StateLockTest {

    @TempDir
    Path dir;

    private static TrustedDirectory trust() throws IOException {
        return TrustedDirectory.forThisProcess();
    }

    @Test
    void theLockCreatesAPrivateDirectoryWritesThePidAndKeepsOthersOut() throws Exception {
        Path state = dir.resolve("a/state");
        try (StateLock lock = StateLock.acquire(state, trust(), 4242)) {
            assertTrue(lock.held());
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(state)));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(state.resolve("lock"))));
            assertEquals("4242\n", Files.readString(state.resolve("lock")));
            StateLock.Held held = assertThrows(StateLock.Held.class, () -> StateLock.acquire(state, trust(), 7));
            assertEquals(OptionalLong.of(4242), held.holder());
            assertTrue(held.getMessage().contains("in use by another virtchaind (pid 4242, lock " + state.resolve("lock")),
                    held.getMessage());
        }
        try (StateLock again = StateLock.acquire(state, trust(), 7)) {
            assertEquals("7\n", Files.readString(state.resolve("lock")), "a released lock is taken over");
        }
    }

    @Test
    void aLinkPlantedAsTheLockIsNeverFollowed() throws Exception {
        Path state = Files.createDirectory(dir.resolve("state"));
        Path victim = Files.writeString(dir.resolve("victim"), "precious");
        Files.createSymbolicLink(state.resolve("lock"), victim);
        IOException e = assertThrows(IOException.class, () -> StateLock.acquire(state, trust(), 1));
        assertTrue(e.getMessage().contains("not a link"), e.getMessage());
        assertEquals("precious", Files.readString(victim));
    }

    @Test
    void aDirectoryOthersCanWriteIsRefusedSayingWhatToRun() throws Exception {
        Path state = Files.createDirectory(dir.resolve("state"));
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxrwx---"));
        UnsafeDirectory e = assertThrows(UnsafeDirectory.class, () -> StateLock.acquire(state, trust(), 1));
        assertEquals("the state directory " + state + " is writable by its group (mode 0770), who could replace what"
                + " virtchaind keeps there; run chmod go-w " + state + " or choose another --state-dir (state-dir in"
                + " [daemon])", e.getMessage());
        assertFalse(Files.exists(state.resolve("lock")));
    }

    @Test
    void aLinkedDirectoryIsRefused() throws Exception {
        Path real = Files.createDirectory(dir.resolve("real"));
        Path state = Files.createSymbolicLink(dir.resolve("state"), real);
        UnsafeDirectory e = assertThrows(UnsafeDirectory.class, () -> StateLock.acquire(state, trust(), 1));
        assertTrue(e.getMessage().contains("is a symbolic link (to " + real + ")"), e.getMessage());
        assertFalse(Files.exists(real.resolve("lock")));
    }

    @Test
    void aParentOthersCanWriteIsRefusedUnlessSticky() throws Exception {
        Path open = Files.createDirectory(dir.resolve("open"));
        Path state = Files.createDirectory(open.resolve("state"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        UnsafeDirectory e = assertThrows(UnsafeDirectory.class, () -> trust().check(state, "state directory", "--state-dir"));
        assertEquals(open, e.directory());
        Files.setAttribute(open, "unix:mode", 01777); // like /tmp: nobody can replace another's entry
        trust().check(state, "state directory", "--state-dir");
    }

    @Test
    void aDirectoryOwnedBySomeoneElseIsRefused() throws Exception {
        UserPrincipalLookupService users = FileSystems.getDefault().getUserPrincipalLookupService();
        Path state = Files.createDirectory(dir.resolve("state"));
        Files.setOwner(state, users.lookupPrincipalByName("nobody"));
        UnsafeDirectory e = assertThrows(UnsafeDirectory.class, () -> trust().check(state, "state directory", "--state-dir"));
        assertTrue(e.getMessage().contains("belongs to user 'nobody'"), e.getMessage());
    }
}
