package dev.virtchain.libvirt.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import dev.virtchain.testing.TestDomain;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** GuestContent's digest equals the digest of what qemu-img shows, on the chains virtchain makes. */
class GuestContentIT {
    /**
     * Under the harness's work root, not JUnit's temporary directory: on the Debian 13 leg qemu-img
     * runs in the test root, which sees the work root at the same path but has a /tmp of its own.
     */
    Path dir;

    @BeforeEach
    void directory() throws IOException {
        dir = Files.createTempDirectory(TestDomain.workRoot(), "vctest-" + ProcessHandle.current().pid() + "-content-");
    }

    @AfterEach
    void removeDirectory() throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Test
    void matchesQemuImgOnARawBaseUnderTwoOverlaysWithZeroesAndAShorterBacking() throws Exception {
        Path base = dir.resolve("base.img");
        Path mid = dir.resolve("mid.qcow2");
        Path top = dir.resolve("top.qcow2");
        run("qemu-img", "create", "-q", "-f", "raw", base.toString(), "3M");
        io("raw", base, "write -P 0x11 0 3M");
        run("qemu-img", "create", "-q", "-f", "qcow2", "-o", "cluster_size=4096", "-F", "raw", "-b", base.toString(),
                mid.toString(), "8M");
        io("qcow2", mid, "write -P 0x22 1M 1536k");
        io("qcow2", mid, "write -z 2048k 8k");
        run("qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", mid.toString(), top.toString(), "8M");
        io("qcow2", top, "write -P 0x33 5000 70000");
        io("qcow2", top, "write -P 0x44 7M 1M");
        ImageChain chain = new ImageChain(List.of(new DiskChain.Link(top, "qcow2"), new DiskChain.Link(mid, "qcow2"),
                new DiskChain.Link(base, "raw")));
        assertEquals(Optional.of(qemuImgDigest(top)), GuestContent.sha256(chain));
        assertEquals(Optional.of(qemuImgDigest(base)), GuestContent.sha256(ImageChain.of(base, "raw")));
    }

    @Test
    void aStandaloneExportAndAnEmptyImage() throws Exception {
        Path empty = dir.resolve("empty.qcow2");
        run("qemu-img", "create", "-q", "-f", "qcow2", empty.toString(), "2M");
        assertEquals(Optional.of(qemuImgDigest(empty)), GuestContent.sha256(ImageChain.of(empty, "qcow2")));
        io("qcow2", empty, "write -P 0x5a 1M 4k");
        Path export = dir.resolve("export.qcow2");
        run("qemu-img", "convert", "-f", "qcow2", "-O", "qcow2", empty.toString(), export.toString());
        assertEquals(Optional.of(qemuImgDigest(empty)), GuestContent.sha256(ImageChain.of(export, "qcow2")));
    }

    @Test
    void compressedClustersGiveNoDigestRatherThanAWrongOne() throws Exception {
        Path plain = dir.resolve("plain.qcow2");
        Path compressed = dir.resolve("compressed.qcow2");
        run("qemu-img", "create", "-q", "-f", "qcow2", plain.toString(), "1M");
        io("qcow2", plain, "write -P 0x61 0 256k");
        run("qemu-img", "convert", "-c", "-f", "qcow2", "-O", "qcow2", plain.toString(), compressed.toString());
        assertTrue(GuestContent.sha256(ImageChain.of(compressed, "qcow2")).isEmpty());
    }

    private String qemuImgDigest(Path image) throws Exception {
        Path raw = dir.resolve("view-" + image.getFileName() + ".raw");
        Files.deleteIfExists(raw);
        run("qemu-img", "convert", "-f", image.toString().endsWith(".img") ? "raw" : "qcow2", "-O", "raw",
                image.toString(), raw.toString());
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(raw)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                sha.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static void io(String format, Path image, String command) throws Exception {
        run("qemu-io", "-f", format, "-c", command, image.toString());
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + ": " + out);
        }
    }
}
