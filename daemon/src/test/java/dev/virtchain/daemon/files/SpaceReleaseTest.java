package dev.virtchain.daemon.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Removing an image: its name goes at once, its blocks are freed on the release thread once the
 * operation lets them go, a bounded number of files is held open, and once
 * {@link SpaceRelease#settle} returns no descriptor of a removed file is left open.
 */
class SpaceReleaseTest {
    private static final Duration LIMIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final SpaceRelease release = new SpaceRelease();

    @Test
    void theNameGoesAtOnceAndTheFileIsClosedOnceSettled() throws Exception {
        Path image = dir.resolve("a.qcow2");
        Files.write(image, new byte[8 << 20]);

        release.unlink(image);

        assertFalse(Files.exists(image, LinkOption.NOFOLLOW_LINKS), "the name is gone when unlink returns");
        assertEquals(1, removedFilesHeldOpen().size(), "held open, its blocks not freed, until free()");
        assertEquals(1, release.pending());
        assertTrue(release.settle(LIMIT), "freed within " + LIMIT);
        assertEquals(0, release.pending());
        assertEquals(List.of(), removedFilesHeldOpen(), "descriptors of removed files still open");
    }

    @Test
    void moreRemovalsThanMayWaitAreAllFreed() throws Exception {
        List<Path> images = new ArrayList<>();
        for (int i = 0; i < SpaceRelease.PENDING_MAX * 3; i++) {
            Path image = dir.resolve("i" + i + ".qcow2");
            Files.write(image, new byte[64 << 10]);
            images.add(image);
        }
        for (Path image : images) {
            release.unlink(image);
            int open = removedFilesHeldOpen().size();
            assertTrue(open <= 2 * SpaceRelease.PENDING_MAX + 1, open + " removed files held open");
        }

        for (Path image : images) {
            assertFalse(Files.exists(image, LinkOption.NOFOLLOW_LINKS), image + " is gone");
        }
        assertTrue(release.settle(LIMIT), "freed within " + LIMIT);
        assertEquals(0, release.pending());
        assertEquals(List.of(), removedFilesHeldOpen(), "descriptors of removed files still open");
    }

    @Test
    void aSymbolicLinkIsRemovedAndItsTargetKept() throws Exception {
        Path target = dir.resolve("target.qcow2");
        Files.write(target, new byte[4096]);
        Path link = Files.createSymbolicLink(dir.resolve("link.qcow2"), target);

        release.unlink(link);

        assertFalse(Files.exists(link, LinkOption.NOFOLLOW_LINKS));
        assertEquals(4096, Files.size(target), "the link's target is untouched");
        assertEquals(0, release.pending(), "nothing was held open for a link");
    }

    @Test
    void aFifoIsRemovedWithoutOpeningIt() throws Exception {
        Path fifo = dir.resolve("fifo.qcow2");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertEquals(0, mkfifo.waitFor());

        // Opening a FIFO for reading would wait for a writer forever.
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> release.unlink(fifo));

        assertFalse(Files.exists(fifo, LinkOption.NOFOLLOW_LINKS));
        assertEquals(0, release.pending());
    }

    @Test
    void aMissingFileIsNoSuchFile() {
        Path missing = dir.resolve("missing.qcow2");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> release.unlink(missing));
        assertEquals(missing.toString(), e.getFile());
    }

    /** This process's descriptors that name a removed file under {@link #dir}. */
    private List<String> removedFilesHeldOpen() throws IOException {
        List<String> held = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    continue; // closed since the listing (the listing's own descriptor among them)
                }
                if (target.startsWith(dir.toString()) && target.endsWith(" (deleted)")) {
                    held.add(target);
                }
            }
        }
        return held;
    }
}
