package dev.virtchain.libvirt;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Stand-in for {@code dev.virtchain.libvirt.image.QemuImg#createOverlay} until that package is
 * merged; it goes away then.
 */
final class InterimQemuImg {
    void createOverlay(Path overlay, Path backing, String backingFormat) {
        if (Files.exists(overlay)) {
            throw new IllegalStateException("refusing to overwrite " + overlay);
        }
        String backingName = overlay.getParent().relativize(backing).toString();
        List<String> cmd = List.of("qemu-img", "create", "-q", "-f", "qcow2", "-F", backingFormat, "-b", backingName,
                overlay.toString());
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out.strip());
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run qemu-img: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating " + overlay, e);
        }
    }
}
