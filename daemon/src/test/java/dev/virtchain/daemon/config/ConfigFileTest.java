package dev.virtchain.daemon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFileTest {

    /** The configuration shipped for /etc/virtchain, relative to the daemon module. */
    static final Path SHIPPED = Path.of("..", "systemd", "virtchaind.conf");

    @TempDir
    Path dir;

    @Test
    void readsEverySetting() throws Exception {
        DaemonConfig c = load("""
                # comment
                ; another comment
                [daemon]
                connect = qemu+ssh://host/system
                socket = /run/vc/ctl.sock
                socket-group = vcops
                state-dir = /srv/virtchain/
                max-block-jobs = 4
                bandwidth = 100
                min-free-space = 10GiB
                agent-timeout = 4
                crash-at = after-record@2

                [policy hourly-web]
                match = web-*
                schedule = 0 * * * *
                quiesce = yes
                keep-last = 24
                keep-daily = 7
                max-depth = 12

                [ policy  weekly.db ]
                  match=db-?
                  schedule=0 0 3 ? * SUN
                  QUIESCE = NO
                  keep-weekly = 4
                  keep-monthly = 6
                  keep-yearly = 2
                  keep-hourly = 1
                """);
        assertEquals("qemu+ssh://host/system", c.connectUri());
        assertEquals(Path.of("/run/vc/ctl.sock"), c.socketPath());
        assertEquals("vcops", c.socketGroup());
        assertEquals(Path.of("/srv/virtchain"), c.stateDir());
        assertEquals(4, c.maxBlockJobs());
        assertEquals(100, c.bandwidthMiBPerSecond());
        assertEquals(10L << 30, c.minFreeSpaceBytes());
        assertEquals(java.time.Duration.ofSeconds(4), c.agentTimeout());
        assertEquals("after-record@2", c.crashAt());
        assertEquals(2, c.policies().size());

        Policy web = c.policies().get(0);
        assertEquals("hourly-web", web.name());
        assertTrue(web.covers("web-1"));
        assertFalse(web.covers("db-1"));
        assertEquals("0 0 * * * ?", web.schedule().quartzExpression());
        assertEquals(Quiesce.YES, web.quiesce());
        assertEquals(new Retention(24, 0, 7, 0, 0, 0), web.retention());
        assertEquals(12, web.maxDepth());

        Policy db = c.policies().get(1);
        assertEquals("weekly.db", db.name());
        assertEquals("0 0 3 ? * SUN", db.schedule().quartzExpression());
        assertEquals(Quiesce.NO, db.quiesce());
        assertEquals(new Retention(0, 1, 0, 4, 6, 2), db.retention());
        assertEquals(0, db.maxDepth());
    }

    @Test
    void leftOutSettingsKeepTheirDefaults() throws Exception {
        DaemonConfig c = load("""
                [policy p]
                match = *
                schedule = @daily
                """);
        DaemonConfig d = DaemonConfig.defaults();
        assertEquals(d.connectUri(), c.connectUri());
        assertEquals(d.socketPath(), c.socketPath());
        assertEquals(d.stateDir(), c.stateDir());
        assertEquals(2, c.maxBlockJobs());
        assertEquals(1L << 30, c.minFreeSpaceBytes());
        assertEquals(java.time.Duration.ofSeconds(10), c.agentTimeout(), "at most the 10 s Windows VSS holds a freeze");
        assertEquals(Quiesce.AUTO, c.policies().get(0).quiesce());
        assertTrue(c.policies().get(0).retention().keepsAll());
    }

    @Test
    void sizesTakeBinaryUnits() throws Exception {
        assertEquals(512, minFree("512"));
        assertEquals(512, minFree("512B"));
        assertEquals(64L << 10, minFree("64K"));
        assertEquals(64L << 10, minFree("64KiB"));
        assertEquals(3L << 20, minFree("3 MiB"));
        assertEquals(1L << 30, minFree("1g"));
        assertEquals(2L << 40, minFree("2TiB"));
    }

    private long minFree(String size) throws Exception {
        return load("[daemon]\nmin-free-space = " + size + "\n").minFreeSpaceBytes();
    }

    @Test
    void storageDirectoriesAreWhitespaceSeparatedAbsolutePaths() throws Exception {
        Path f = dir.resolve("storage.conf");
        Files.writeString(f, "[daemon]\nstate-dir = /srv/vc\nimage-roots = /var/lib/libvirt/images   /srv/images\n"
                + "export-dirs = /srv/exports\nimage-devices = /dev/vg0/base\n");
        DaemonConfig c = ConfigFile.load(f);
        assertEquals(List.of(Path.of("/var/lib/libvirt/images"), Path.of("/srv/images")), c.storage().imageRoots());
        assertEquals(List.of(Path.of("/dev/vg0/base")), c.storage().imageDevices());
        assertEquals(List.of(Path.of("/srv/exports")), c.exportDirs());
        assertEquals(List.of(Path.of("/srv/vc/copies")), c.copyDirs(), "copies default to <state-dir>/copies");
        assertError("[daemon]\nexport-dirs = exports\n", 2, "export-dirs", null,
                "export-dirs: 'exports' must be a normalised absolute directory below /, such as /var/lib/libvirt/images");
        assertError("[daemon]\ncopy-dirs = /srv/../etc\n", 2, "copy-dirs", null,
                "copy-dirs: '/srv/../etc' must be a normalised absolute directory below /, such as /var/lib/libvirt/images");
    }

    /** Each broken file, and the error: line, key, policy, and the message after "FILE:LINE: ". */
    @Test
    void everyErrorNamesFileLineAndKey() {
        assertError("[daemon]\nsocket-grup = x\n", 2, "socket-grup", null,
                "socket-grup: unknown key; expected one of agent-timeout, bandwidth, connect, copy-dirs, crash-at, export-dirs,"
                        + " image-devices, image-roots, manage, manage-exclude, manage-match, max-block-jobs, metrics-listen,"
                        + " min-free-space, socket, socket-group, state-dir");
        assertError("[daemon]\nmax-block-jobs = 2\nmax-block-jobs = 3\n", 3, "max-block-jobs", null,
                "max-block-jobs: set twice; the first is on line 2");
        assertError("[daemon]\nmax-block-jobs = two\n", 2, "max-block-jobs", null,
                "max-block-jobs: expected a whole number, got 'two'");
        assertError("[daemon]\nmax-block-jobs = 0\n", 2, "max-block-jobs", null,
                "max-block-jobs: must be between 1 and 64, got 0");
        assertError("[daemon]\nagent-timeout = 0\n", 2, "agent-timeout", null,
                "agent-timeout: must be between 1 and 300, got 0");
        assertError("[daemon]\nbandwidth = -1\n", 2, "bandwidth", null,
                "bandwidth: must be between 0 and 1048576, got -1");
        assertError("[daemon]\nmin-free-space = lots\n", 2, "min-free-space", null,
                "min-free-space: expected a size like 512M, 10GiB or 1073741824, got 'lots'");
        assertError("[daemon]\nstate-dir = var/lib/virtchain\n", 2, "state-dir", null,
                "state-dir: 'var/lib/virtchain' must be an absolute path");
        assertError("[daemon]\nsocket = /tmp/" + "s".repeat(110) + "\n", 2, "socket", null,
                "socket: socket path '/tmp/" + "s".repeat(110) + "' is longer than the 107 bytes a Unix socket address holds");
        assertError("[daemon]\nconnect =\n", 2, "connect", null, "connect: has no value");
        assertError("connect = qemu:///system\n", 1, "connect", null,
                "connect: is outside any section; put it under [daemon] or [policy NAME]");
        assertError("[daemon]\n[daemon]\n", 2, null, null, "[daemon] appears twice; the first is on line 1");
        assertError("[deamon]\n", 1, null, null, "unknown section '[deamon]'; expected [daemon] or [policy NAME]");
        assertError("[policy]\n", 1, null, null, "a policy section needs a name: [policy NAME]");
        assertError("[daemon\n", 1, null, null,
                "expected a section header like [daemon] or [policy NAME], got '[daemon'");
        assertError("[daemon]\njust words\n", 2, null, null, "expected 'key = value', got 'just words'");

        String policy = "[policy nightly]\nmatch = web-*\nschedule = 0 2 * * *\n";
        assertError("\n\n[policy nightly]\nschedule = 0 2 * * *\n", 3, "match", "nightly",
                "policy 'nightly': match: is required");
        assertError("[policy nightly]\nmatch = web-*\n", 1, "schedule", "nightly",
                "policy 'nightly': schedule: is required");
        assertError("[policy nightly]\nmatch = web-*\nschedule = 0 2 * *\n", 3, "schedule", "nightly",
                "policy 'nightly': schedule: invalid schedule '0 2 * *': has 4 fields; expected 5 (crontab:"
                        + " minute hour day-of-month month day-of-week) or 6-7 (Quartz: second minute hour"
                        + " day-of-month month day-of-week [year])");
        assertError("[policy nightly]\nmatch = web-*\nschedule = 0 2 1 * MON\n", 3, "schedule", "nightly",
                "policy 'nightly': schedule: invalid schedule '0 2 1 * MON': restricts both day-of-month and"
                        + " day-of-week, which crontab reads as either-or and Quartz cannot express; split it into"
                        + " two policies");
        assertError("[policy nightly]\nmatch = web-[1\nschedule = @daily\n", 2, "match", "nightly",
                "policy 'nightly': match: '[' at position 5 in 'web-[1' has no closing ']'");
        assertError(policy + "quiesce = maybe\n", 4, "quiesce", "nightly",
                "policy 'nightly': quiesce: expected yes, no or auto, got 'maybe'");
        assertError(policy + "keep-daily = -1\n", 4, "keep-daily", "nightly",
                "policy 'nightly': keep-daily: must be between 0 and 100000, got -1");
        assertError(policy + "keep-dialy = 7\n", 4, "keep-dialy", "nightly",
                "policy 'nightly': keep-dialy: unknown key; expected one of keep-daily, keep-hourly, keep-last,"
                        + " keep-monthly, keep-weekly, keep-yearly, match, max-depth, quiesce, schedule");
        assertError(policy + "\n" + policy, 5, null, "nightly", "policy 'nightly': defined twice; the first is on line 1");
        assertError("[policy -x]\n", 1, null, "-x",
                "policy '-x': the name must start with a letter or digit and use only letters, digits, '.', '_' and '-'");
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = dir.resolve("nope.conf");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigFile.load(missing));
        assertEquals(missing + ": no such file", e.getMessage());
        assertEquals(0, e.line());
    }

    @Test
    void aFileThatIsNotTextIsNamed() throws Exception {
        Path binary = dir.resolve("bin.conf");
        Files.write(binary, new byte[] {(byte) 0xff, (byte) 0xfe, 0});
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigFile.load(binary));
        assertEquals(binary + ": not UTF-8 text", e.getMessage());
    }

    @Test
    void theShippedConfigurationParsesToTheDefaults() throws Exception {
        DaemonConfig shipped = ConfigFile.load(SHIPPED);
        assertEquals(DaemonConfig.defaults(), shipped);
    }

    /** "#key = value" lines are settings to switch on; with all of them on, the file must still parse. */
    @Test
    void theShippedExamplesParseWhenSwitchedOn() throws Exception {
        List<String> lines = Files.readAllLines(SHIPPED, StandardCharsets.UTF_8).stream()
                .map(l -> l.matches("#[^ #].*") ? l.substring(1) : l)
                .collect(Collectors.toList());
        DaemonConfig all = ConfigFile.parse(SHIPPED, lines);
        assertEquals(List.of("hourly-web", "nightly"), all.policies().stream().map(Policy::name).toList());
        assertEquals(DaemonConfig.defaults().socketPath(), all.socketPath());
        assertEquals(1L << 30, all.minFreeSpaceBytes());
        assertEquals(new Retention(0, 0, 7, 4, 6, 0), all.policies().get(1).retention());
    }

    /** Checks made where a value is held (a record, a glob) reach the operator with the file, line and key. */
    @Test
    void aValueRefusedWhereItIsHeldNamesTheFileLineAndKey() {
        assertError("[daemon]\nmanage = match\n", 2, "manage", null,
                "manage: manage = match needs manage-match with at least one pattern");
        assertError("[daemon]\nmanage-match = web-*\n", 2, "manage-match", null,
                "manage-match: manage-match is used only with manage = match (manage is all)");
        assertError("[daemon]\nmanage-exclude = web-[1\n", 2, "manage-exclude", null,
                "manage-exclude: '[' at position 5 in 'web-[1' has no closing ']'");
        assertError("[daemon]\nmetrics-listen = 127.0.0.1:0\n", 2, "metrics-listen", null,
                "metrics-listen: port 0 is not between 1 and 65535");
    }

    /** Each check of the configuration's records says which setting it refused, for whoever reports it. */
    @Test
    void theRecordsNameTheSettingTheyRefuse() {
        DaemonConfig d = DaemonConfig.defaults();
        ConfigInvalid jobs = assertThrows(ConfigInvalid.class, () -> new DaemonConfig(d.connectUri(), d.socketPath(),
                d.socketGroup(), d.stateDir(), 0, 0, 0, List.of(), ""));
        assertEquals(Optional.of("max-block-jobs"), jobs.key());
        ConfigInvalid connect = assertThrows(ConfigInvalid.class, () -> d.withConnectUri(" "));
        assertEquals(Optional.of("connect"), connect.key());
        ConfigInvalid state = assertThrows(ConfigInvalid.class, () -> d.withStateDir(Path.of("relative")));
        assertEquals(Optional.of("state-dir"), state.key());
        ConfigInvalid keep = assertThrows(ConfigInvalid.class, () -> new Retention(0, 0, -1, 0, 0, 0));
        assertEquals(Optional.of("keep-daily"), keep.key());
        assertEquals(Optional.of("metrics-listen"),
                assertThrows(ConfigInvalid.class, () -> MetricsListen.parse("localhost:9477")).key());
        assertEquals(Optional.of("quiesce"), assertThrows(ConfigInvalid.class, () -> Quiesce.fromWord("maybe")).key());
        // A glob does not know which setting it came from; the file reader names it.
        assertEquals(Optional.empty(), assertThrows(ConfigInvalid.class, () -> new DomainPattern("")).key());
    }

    private void assertError(String text, int line, String key, String policy, String message) {
        Path file = dir.resolve("virtchaind.conf");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigFile.parse(file, text.lines().toList()),
                text);
        assertEquals(file + ":" + line + ": " + message, e.getMessage());
        assertEquals(line, e.line());
        assertEquals(Optional.ofNullable(key), e.key());
        assertEquals(Optional.ofNullable(policy), e.policy());
        assertEquals(file, e.file());
    }

    private DaemonConfig load(String text) throws Exception {
        Path file = dir.resolve("virtchaind.conf");
        Files.writeString(file, text);
        return ConfigFile.load(file);
    }

    @Test
    void invalidCronKeepsItsCause() {
        Path file = dir.resolve("c.conf");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigFile.parse(file,
                List.of("[policy p]", "match = *", "schedule = nonsense here")));
        assertInstanceOf(InvalidCronException.class, e.getCause());
    }
}
