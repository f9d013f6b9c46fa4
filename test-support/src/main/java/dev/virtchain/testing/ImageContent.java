package dev.virtchain.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * What an image chain shows a guest: the image and every backing file under it, flattened with
 * {@code qemu-img convert -U -O raw}. {@code -U} lets it read images a running QEMU holds open;
 * the active image of a running domain shows recent writes only after a flush
 * ({@link TestDomain#flush}).
 */
public final class ImageContent {
    private ImageContent() {}

    /** SHA-256 (hex) of the guest-visible content of {@code image} and its backing chain. */
    public static String digest(Path image) {
        return withRawView(image, raw -> {
            MessageDigest sha = sha256();
            byte[] buf = new byte[1 << 20];
            try (InputStream in = Files.newInputStream(raw)) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    sha.update(buf, 0, n);
                }
            }
            return HexFormat.of().formatHex(sha.digest());
        });
    }

    /** The guest-visible bytes of {@code image} at {@code offset}. */
    public static byte[] bytesAt(Path image, long offset, int length) {
        return withRawView(image, raw -> {
            byte[] out = new byte[length];
            try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "r")) {
                f.seek(offset);
                f.readFully(out);
            }
            return out;
        });
    }

    /** True when every guest-visible byte of {@code image} in the range equals {@code pattern}. */
    public static boolean rangeFilledWith(Path image, long offset, int length, int pattern) {
        for (byte b : bytesAt(image, offset, length)) {
            if (b != (byte) pattern) {
                return false;
            }
        }
        return true;
    }

    private interface RawReader<T> {
        T read(Path raw) throws IOException;
    }

    private static <T> T withRawView(Path image, RawReader<T> reader) {
        Path raw = null;
        try {
            raw = Files.createTempFile(image.getParent(), ".raw-view-", ".img");
            Tools.run(List.of("qemu-img", "convert", "-U", "-O", "raw", image.toString(), raw.toString()));
            return reader.read(raw);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the content of " + image, e);
        } finally {
            if (raw != null) {
                try {
                    Files.deleteIfExists(raw);
                } catch (IOException ignored) {
                    // the test directory is removed at teardown anyway
                }
            }
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }
}
