package dev.virtchain.daemon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CommandLineTest {

    @Test
    void overridesDefaults() throws Exception {
        DaemonConfig c = CommandLine.parse("--connect", "qemu:///session", "--socket=/tmp/x/v.sock",
                "--state-dir", "/srv/vc").resolve();
        assertEquals("qemu:///session", c.connectUri());
        assertEquals(Path.of("/tmp/x/v.sock"), c.socketPath());
        assertEquals(Path.of("/srv/vc"), c.stateDir());
        assertEquals(DaemonConfig.defaults().socketGroup(), c.socketGroup());
    }

    @Test
    void noArgumentsMeansDefaults() throws Exception {
        CommandLine line = CommandLine.parse();
        assertEquals(CommandLine.Action.RUN, line.action());
        assertEquals(DaemonConfig.defaults(), line.resolve());
    }

    @Test
    void relativePathsAreTakenFromTheWorkingDirectory() throws Exception {
        CommandLine line = CommandLine.parse("--state-dir", "state");
        assertEquals(Optional.of(Path.of("state").toAbsolutePath()), line.stateDir());
    }

    @Test
    void actions() throws Exception {
        assertEquals(CommandLine.Action.HELP, CommandLine.parse("--socket", "/x", "--help").action());
        assertEquals(CommandLine.Action.HELP, CommandLine.parse("-h").action());
        assertEquals(CommandLine.Action.VERSION, CommandLine.parse("--version").action());
        assertEquals(CommandLine.Action.CHECK_CONFIG, CommandLine.parse("--check-config").action());
        assertEquals(CommandLine.Action.CHECK_STATE, CommandLine.parse("--check-state", "--state-dir", "/x").action());
    }

    @Test
    void usageErrorsSayWhatIsWrong() {
        assertEquals("unknown option '--sockett'", message("--sockett", "/x"));
        assertEquals("--config needs a value", message("--config"));
        assertEquals("--config needs a value", message("--config", "--socket", "/x"));
        assertEquals("--socket needs a value", message("--socket="));
        assertEquals("unexpected argument 'start'; virtchaind takes options only", message("start"));
        assertEquals("--version takes no value", message("--version=2"));
    }

    @Test
    void aTooLongSocketPathIsAUsageError() {
        String longPath = "/tmp/" + "x".repeat(120) + ".sock";
        UsageException e = assertThrows(UsageException.class, () -> CommandLine.parse("--socket", longPath).resolve());
        assertEquals("socket path '" + longPath + "' is longer than the 107 bytes a Unix socket address holds",
                e.getMessage());
    }

    @Test
    void aBlankConnectUriIsAUsageError() {
        UsageException e = assertThrows(UsageException.class, () -> CommandLine.parse("--connect", " ").resolve());
        assertEquals("connect URI is empty", e.getMessage());
    }

    private static String message(String... args) {
        return assertThrows(UsageException.class, () -> CommandLine.parse(args)).getMessage();
    }
}
