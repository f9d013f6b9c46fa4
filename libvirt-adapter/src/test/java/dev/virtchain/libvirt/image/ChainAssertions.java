package dev.virtchain.libvirt.image;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Checks shared by the image integration tests. */
final class ChainAssertions {
    private ChainAssertions() {}

    static void assertAllClean(QemuImg qemuImg, Path... images) {
        for (Path p : images) {
            ImageCheck c = qemuImg.check(WrittenChain.walked(p));
            assertTrue(c.clean(), p + ": " + c);
        }
    }

    static List<Path> files(ImageChain chain) {
        return chain.files();
    }

    static void delete(Path p) {
        try {
            Files.delete(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
