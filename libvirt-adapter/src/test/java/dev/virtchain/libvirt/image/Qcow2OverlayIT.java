package dev.virtchain.libvirt.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.testing.TestDomain;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The overlays virtchain writes itself are the ones qemu-img writes: {@code qemu-img info} reads
 * the same image from both, {@code qemu-img check} finds nothing wrong, and QEMU's block layer
 * ({@code qemu-io}) reads the backing file's data through one, writes into it and reads that back.
 */
class Qcow2OverlayIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long M = 1L << 20;

    /**
     * The images live under the harness's directory, which a second hypervisor's root sees at the
     * same path (its qemu-img runs in that root).
     */
    @Test
    void qemuImgAndQemuSeeTheOverlayQemuImgWouldHaveWritten() throws Exception {
        Path dir = Files.createTempDirectory(TestDomain.workRoot(), "qcow2-overlay-");
        try {
            compareAll(dir);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(dir);
        }
    }

    private static void compareAll(Path dir) throws Exception {
        for (String baseFormat : List.of("qcow2", "raw")) {
            for (long size : new long[] {64 * M, 3 * 1024 * M + 512, 8L << 40}) {
                Path base = dir.resolve("base-" + size + "." + baseFormat);
                run("qemu-img", "create", "-q", "-f", baseFormat, base.toString(), Long.toString(size));
                run("qemu-io", "-f", baseFormat, "-c", "write -P 0xab 0 1M", base.toString());
                Path ours = dir.resolve("ours-" + size + "-" + baseFormat + ".qcow2");
                Path theirs = dir.resolve("theirs-" + size + "-" + baseFormat + ".qcow2");
                Qcow2Overlay.write(ours, base.getFileName().toString(), baseFormat, size);
                run("qemu-img", "create", "-q", "-f", "qcow2", "-F", baseFormat, "-u", "-b", base.getFileName().toString(),
                        theirs.toString(), Long.toString(size));
                String what = baseFormat + " backing, " + size + " bytes";
                assertEquals(info(theirs), info(ours), what);
                JsonNode check = JSON.readTree(run("qemu-img", "check", "--output=json", "-f", "qcow2", ours.toString()));
                assertEquals(0, check.path("check-errors").asInt(), what + ": " + check);
                assertEquals(0, check.path("leaks").asInt(), what + ": " + check);
                assertEquals(0, check.path("corruptions").asInt(), what + ": " + check);
                run("qemu-io", "-f", "qcow2", "-c", "read -P 0xab 0 1M", "-c", "read -P 0 1M 1M",
                        "-c", "write -P 0xcd 2M 64k", "-c", "read -P 0xcd 2M 64k", ours.toString());
                JsonNode after = JSON.readTree(run("qemu-img", "check", "--output=json", "-f", "qcow2", ours.toString()));
                assertEquals(0, after.path("corruptions").asInt() + after.path("leaks").asInt(), what + " after a write: " + after);
                Files.delete(base);
                Files.delete(ours);
                Files.delete(theirs);
            }
        }
    }

    /** {@code qemu-img info} of one image alone, less what names or measures the file itself. */
    private static JsonNode info(Path image) throws Exception {
        ObjectNode n = (ObjectNode) JSON.readTree(run("qemu-img", "info", "--output=json", "-f", "qcow2", image.toString()));
        n.remove(List.of("filename", "actual-size", "children"));
        return n;
    }

    private static String run(String... argv) throws IOException, InterruptedException {
        return run(List.of(argv));
    }

    /** Runs a tool; its output, or a failure with what it said. qemu-io reports errors on stdout. */
    private static String run(List<String> argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        assertEquals(0, rc, String.join(" ", argv) + ": " + out);
        assertTrue(!argv.get(0).equals("qemu-io") || !out.contains("Pattern verification failed") && !out.contains("error"),
                String.join(" ", argv) + ": " + out);
        return out;
    }
}
