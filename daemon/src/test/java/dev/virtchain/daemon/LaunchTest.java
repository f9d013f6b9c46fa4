package dev.virtchain.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The paths through main that end before the daemon runs. */
class LaunchTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int launch(Map<String, String> env, String... args) {
        return Virtchaind.launch(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), env);
    }

    @Test
    void helpAndVersion() {
        assertEquals(0, launch(Map.of(), "--help"));
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("usage: virtchaind [--config FILE]"));
        out.reset();
        assertEquals(0, launch(Map.of(), "--version"));
        assertTrue(out.toString(StandardCharsets.UTF_8).matches("virtchaind \\d+\\.\\d+\\.\\d+.*\\n"), out.toString());
    }

    @Test
    void usageErrorsExit2WithTheUsage() {
        assertEquals(2, launch(Map.of(), "--conect", "qemu:///system"));
        String e = err.toString(StandardCharsets.UTF_8);
        assertTrue(e.startsWith("virtchaind: unknown option '--conect'\nusage: virtchaind"), e);
    }

    @Test
    void checkConfigReportsPolicies() throws Exception {
        Path config = dir.resolve("c.conf");
        Files.writeString(config, "[policy web]\nmatch = web-*\nschedule = */15 * * * *\n");
        assertEquals(0, launch(Map.of(), "--check-config", "--config", config.toString()));
        assertEquals("configuration OK: 1 policies\n  web: domains matching 'web-*', schedule '*/15 * * * *'"
                + " (Quartz '0 */15 * * * ?')\n", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aBadCrashPointSettingIsAUsageError() {
        assertEquals(2, launch(Map.of(CrashPoints.ENVIRONMENT_VARIABLE, "x@0"), "--check-config"));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("virtchaind: crash point 'x@0'"));
    }

    @Test
    void anUnreachableLibvirtdEndsTheStartNamingTheUri() {
        String uri = "qemu+unix:///system?socket=" + dir.resolve("no-libvirtd.sock");
        assertEquals(1, launch(Map.of(), "--connect", uri, "--state-dir", dir.resolve("state").toString(),
                "--socket", dir.resolve("virtchain.sock").toString()));
        String e = err.toString(StandardCharsets.UTF_8);
        assertTrue(e.startsWith("virtchaind: cannot connect to libvirtd at " + uri + ": "), e);
        assertEquals(1, e.split("is libvirtd running", -1).length - 1, "said once: " + e);
        assertTrue(Files.notExists(dir.resolve("virtchain.sock")), "nothing was served");
    }

    @Test
    void checkStateReadsTheStateDirectoryWithoutTakingItsLockOrCreatingAnything() throws Exception {
        Path state = dir.resolve("state");
        assertEquals(1, launch(Map.of(), "--check-state", "--state-dir", state.toString()));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains(state + " does not exist"), out.toString());
        assertTrue(Files.notExists(state), "a check creates nothing");

        Files.createDirectories(state.resolve("ledgers"));
        out.reset();
        assertEquals(0, launch(Map.of(), "--check-state", "--state-dir=" + state));
        assertTrue(out.toString(StandardCharsets.UTF_8).endsWith("0 ledgers, all good\n"), out.toString());
        assertTrue(Files.notExists(state.resolve("lock")), "no lock file is made, let alone taken");
    }
}
