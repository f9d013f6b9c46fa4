package dev.virtchain.libvirt;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Recorded outputs of the real tools (under {@code src/test/resources/golden}): {@code virsh
 * dumpxml} of TCG domains and {@code qemu-img --output=json} of their images, made on libvirt
 * 9.0 / QEMU 7.2 with images in {@code /var/lib/libvirt/images/golden}. See the README there.
 */
public final class Golden {
    private Golden() {}

    public static String read(String name) {
        try (InputStream in = Golden.class.getResourceAsStream("/golden/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no golden file " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
