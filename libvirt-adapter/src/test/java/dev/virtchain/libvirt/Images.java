package dev.virtchain.libvirt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Reads image headers for assertions ({@code qemu-img info -U}), independent of the code under test. */
final class Images {
    private Images() {}

    /** The backing file name exactly as written in the image header; {@code null} when it has none. */
    static String backingName(Path image) {
        JsonNode info = info(image);
        JsonNode b = info.get("backing-filename");
        return b == null ? null : b.asText();
    }

    static JsonNode info(Path image) {
        List<String> cmd = List.of("qemu-img", "info", "-U", "--output=json", image.toString());
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed");
            }
            return new ObjectMapper().readTree(new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
