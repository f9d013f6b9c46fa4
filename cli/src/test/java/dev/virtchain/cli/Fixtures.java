package dev.virtchain.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Shared test fixtures: recorded replies, golden files, a settable clock, the module directory. */
final class Fixtures {
    /** Local time in the golden files: two hours east of UTC, with summer time, to catch zone mistakes. */
    static final ZoneId ZONE = ZoneId.of("Europe/Berlin");

    private Fixtures() {
    }

    static Path module() {
        try {
            // target/test-classes -> the module directory
            return Path.of(Fixtures.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .getParent().getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path repository() {
        return module().getParent();
    }

    static Path replies() {
        return module().resolve("src/test/resources/replies");
    }

    static List<String> replyNames() throws IOException {
        try (Stream<Path> files = Files.list(replies())) {
            return files.map(p -> p.getFileName().toString().replace(".json", "")).sorted()
                    .collect(Collectors.toList());
        }
    }

    static String reply(String name) {
        try {
            return Files.readString(replies().resolve(name + ".json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, Object> replyData(String name) {
        return Json.parseObject(reply(name));
    }

    /**
     * Compares {@code actual} with {@code src/test/resources/golden/NAME.txt}; run with
     * {@code -Dgolden.update=true} to rewrite the file instead (then read the diff).
     */
    static void assertGolden(String name, String actual) {
        Path file = module().resolve("src/test/resources/golden/" + name + ".txt");
        try {
            if (Boolean.getBoolean("golden.update")) {
                Files.createDirectories(file.getParent());
                Files.writeString(file, actual);
                return;
            }
            if (!Files.exists(file)) {
                throw new AssertionError("no golden file " + file + "; run with -Dgolden.update=true to create it");
            }
            org.junit.jupiter.api.Assertions.assertEquals(Files.readString(file), actual, "golden file " + name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A clock that moves only when told to. */
    static final class ManualClock extends Clock {
        private long millis;

        ManualClock(long millis) {
            this.millis = millis;
        }

        void advance(long by) {
            millis += by;
        }

        @Override
        public long millis() {
            return millis;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }
}
