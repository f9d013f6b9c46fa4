package dev.virtchain.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
        return run(launcher, Map.of(), args);
    }

    private static Result run(Path launcher, Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(launcher.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        // Into a file: a class-loading log outgrows a pipe nobody reads until the end.
        Path output = Files.createTempFile("launcher-it", ".out");
        try {
            Process p = pb.redirectOutput(output.toFile()).start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            return new Result(p.exitValue(), Files.readString(output));
        } finally {
            Files.delete(output);
        }
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

    /**
     * The first start after a build makes the class-data-sharing archive with a training run of
     * the whole daemon on libvirt's test driver; the start maps the daemon's own classes from it.
     */
    @Test
    void makesAClassDataArchiveThatTheStartMaps() throws Exception {
        Path archive = ROOT.resolve("daemon/target/virtchaind.jsa");
        Files.deleteIfExists(archive);
        Result r = run(LAUNCHER, Map.of("VIRTCHAIND_JAVA_OPTS", "-Xshare:on -Xlog:class+load=info"), "--version");
        assertEquals(0, r.status(), r.output());
        assertTrue(Files.size(archive) > 0, "no archive at " + archive);
        for (String c : List.of("dev.virtchain.daemon.Virtchaind ", "dev.virtchain.daemon.config.CommandLine ")) {
            assertTrue(r.output().lines().anyMatch(l -> l.contains(c) && l.contains("shared objects file (top)")),
                    c + "is not mapped from the archive:\n" + r.output());
        }
        Result off = run(LAUNCHER, Map.of("VIRTCHAIND_CDS", "0", "VIRTCHAIND_JAVA_OPTS", "-Xlog:class+load=info"),
                "--version");
        assertTrue(off.output().lines().noneMatch(l -> l.contains("shared objects file (top)")), off.output());
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
