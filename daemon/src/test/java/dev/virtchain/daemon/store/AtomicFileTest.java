package dev.virtchain.daemon.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFileTest {

    @TempDir
    Path dir;

    @Test
    void replacesContentsLeavingNoTemporaryFiles() throws Exception {
        Path ledger = dir.resolve("web-1.ledger");
        AtomicFile.replace(ledger, "one".getBytes());
        AtomicFile.replace(ledger, "two".getBytes());
        assertEquals("two", Files.readString(ledger));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(ledger)));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(ledger), files.toList());
        }
    }

    @Test
    void aFailedReplaceLeavesTheOldContentsAndNoTemporaryFile() throws Exception {
        Path target = dir.resolve("state");
        Files.createDirectory(target); // renaming a file over a non-empty directory fails
        Files.writeString(target.resolve("inside"), "old");
        assertThrows(IOException.class, () -> AtomicFile.replace(target, "new".getBytes()));
        assertEquals("old", Files.readString(target.resolve("inside")));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(target), files.toList());
        }
    }
}
