package dev.virtchain.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/virtchaind against the build output: an integration test because it needs
 * target/lib, which the package phase fills.
 */
@Timeout(120)
class LauncherIT {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path LAUNCHER = ROOT.resolve("bin/virtchaind");

    @TempDir
    Path dir;

    private record Result(int status, String output) {
    }

    private static Result run(Path launcher, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(launcher.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void checksTheShippedConfiguration() throws Exception {
        Result r = run(LAUNCHER, "--check-config", "--config", ROOT.resolve("systemd/virtchaind.conf").toString());
        assertEquals(new Result(0, "configuration OK: 0 policies\n"), r);
    }

    @Test
    void worksThroughASymlink() throws Exception {
        Path link = dir.resolve("virtchaind");
        Files.createSymbolicLink(link, LAUNCHER);
        Result r = run(link, "--version");
        assertEquals(0, r.status(), r.output());
        assertTrue(r.output().startsWith("virtchaind "), r.output());
    }

    @Test
    void saysWhatToDoWithoutABuild() throws Exception {
        Path copy = dir.resolve("tree/bin/virtchaind");
        Files.createDirectories(copy.getParent());
        Files.copy(LAUNCHER, copy, StandardCopyOption.COPY_ATTRIBUTES);
        Result r = run(copy, "--help");
        assertEquals(1, r.status());
        assertTrue(r.output().startsWith("virtchaind: no build found in " + dir.resolve("tree/daemon/target")), r.output());
        assertTrue(r.output().contains("run 'mvn -DskipTests package'"), r.output());
    }
}
