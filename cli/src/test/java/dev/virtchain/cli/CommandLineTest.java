package dev.virtchain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtchain.cli.CommandLine.Invocation;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The command line → request mapping for every command, and every kind of usage error. */
class CommandLineTest {
    private static final Path HOME = Path.of("/home/ops");

    private static Invocation parse(String line) throws Failure {
        return CommandLine.parse(line.isEmpty() ? new String[0] : line.split(" "), HOME);
    }

    /** Command line, then the {@code args} object it must send. The mapping JSON.md documents. */
    static Stream<Arguments> requests() {
        return Stream.of(
                Arguments.of("status", "{}"),
                Arguments.of("domains", "{}"),
                Arguments.of("snapshot-create web1",
                        "{\"domain\":\"web1\",\"quiesce\":\"auto\"}"),
                Arguments.of("snapshot-create web1 nightly-3 --quiesce yes --description first --disks vda,vdb",
                        "{\"domain\":\"web1\",\"name\":\"nightly-3\",\"quiesce\":\"yes\",\"description\":\"first\","
                                + "\"disks\":[\"vda\",\"vdb\"]}"),
                Arguments.of("snapshot-list web1", "{\"domain\":\"web1\"}"),
                Arguments.of("snapshot-list web1 --tree", "{\"domain\":\"web1\",\"tree\":true}"),
                Arguments.of("snapshot-info web1 nightly-2", "{\"domain\":\"web1\",\"name\":\"nightly-2\"}"),
                Arguments.of("snapshot-delete web1 a b --dry-run --bandwidth 10",
                        "{\"domain\":\"web1\",\"names\":[\"a\",\"b\"],\"dry-run\":true,\"bandwidth\":10}"),
                Arguments.of("snapshot-delete web1 a --no-wait",
                        "{\"domain\":\"web1\",\"names\":[\"a\"],\"no-wait\":true}"),
                Arguments.of("snapshot-revert web1 nightly-1 --force --dry-run",
                        "{\"domain\":\"web1\",\"name\":\"nightly-1\",\"force\":true,\"dry-run\":true}"),
                Arguments.of("chain web1", "{\"domain\":\"web1\"}"),
                Arguments.of("chain web1 vdb", "{\"domain\":\"web1\",\"disk\":\"vdb\"}"),
                Arguments.of("du web1", "{\"domain\":\"web1\"}"),
                Arguments.of("clone web1 nightly-2 web1-test",
                        "{\"domain\":\"web1\",\"name\":\"nightly-2\",\"new-domain\":\"web1-test\"}"),
                Arguments.of("flatten web1 vda --bandwidth 50",
                        "{\"domain\":\"web1\",\"disk\":\"vda\",\"bandwidth\":50}"),
                Arguments.of("blockcopy web1 vda copies/web1.qcow2",
                        "{\"domain\":\"web1\",\"disk\":\"vda\",\"dest\":\"/home/ops/copies/web1.qcow2\","
                                + "\"format\":\"qcow2\"}"),
                Arguments.of("blockcopy web1 vda /mnt/../srv/web1.raw --shallow --pivot --format raw --bandwidth 5",
                        "{\"domain\":\"web1\",\"disk\":\"vda\",\"dest\":\"/srv/web1.raw\",\"shallow\":true,"
                                + "\"pivot\":true,\"format\":\"raw\",\"bandwidth\":5}"),
                Arguments.of("export web1 nightly-2 ./out.qcow2",
                        "{\"domain\":\"web1\",\"name\":\"nightly-2\",\"dest\":\"/home/ops/out.qcow2\"}"),
                Arguments.of("export web1 nightly-2 /backup/d.qcow2 --since nightly-1",
                        "{\"domain\":\"web1\",\"name\":\"nightly-2\",\"dest\":\"/backup/d.qcow2\","
                                + "\"since\":\"nightly-1\"}"),
                Arguments.of("export web1 nightly-2 exports/ --disk vdb",
                        "{\"domain\":\"web1\",\"name\":\"nightly-2\",\"dest\":\"/home/ops/exports\","
                                + "\"disk\":\"vdb\"}"),
                Arguments.of("job-list", "{}"),
                Arguments.of("job-list web1", "{\"domain\":\"web1\"}"),
                Arguments.of("job-abort web1 vda", "{\"domain\":\"web1\",\"disk\":\"vda\"}"),
                Arguments.of("policy-set web1 --schedule 0_0_2_*_*_?",
                        "{\"domain\":\"web1\",\"schedule\":\"0 0 2 * * ?\",\"quiesce\":\"auto\"}"),
                Arguments.of("policy-set web1 --schedule=@daily --keep-last 3 --keep-hourly 0 --keep-daily 7 "
                                + "--keep-weekly 4 --keep-monthly 12 --keep-yearly 2 --max-depth 8 --quiesce no",
                        "{\"domain\":\"web1\",\"schedule\":\"@daily\",\"keep-last\":3,\"keep-hourly\":0,"
                                + "\"keep-daily\":7,\"keep-weekly\":4,\"keep-monthly\":12,\"keep-yearly\":2,"
                                + "\"max-depth\":8,\"quiesce\":\"no\"}"),
                Arguments.of("policy-show web1", "{\"domain\":\"web1\"}"),
                Arguments.of("policy-remove web1", "{\"domain\":\"web1\"}"),
                Arguments.of("prune web1", "{\"domain\":\"web1\"}"),
                Arguments.of("prune web1 --dry-run", "{\"domain\":\"web1\",\"dry-run\":true}"),
                Arguments.of("adopt web1", "{\"domain\":\"web1\"}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void mapsTheCommandLineToTheRequest(String line, String args) throws Failure {
        // '_' stands for a space inside one argument (the schedule)
        String[] argv = line.split(" ");
        for (int i = 0; i < argv.length; i++) {
            argv[i] = argv[i].replace('_', ' ');
        }
        Invocation invocation = CommandLine.parse(argv, HOME);
        assertEquals(argv[0], invocation.command().name());
        assertEquals(args, Json.compact(invocation.args()));
        assertFalse(invocation.help());
    }

    @Test
    void everyCommandHasASuccessCase() {
        Set<String> covered = new HashSet<>();
        requests().forEach(a -> covered.add(((String) a.get()[0]).split(" ")[0]));
        for (Commands.Command command : Commands.ALL) {
            assertTrue(covered.contains(command.name()), command.name() + " has no request case");
        }
    }

    @Test
    void globalOptionsGoBeforeOrAfterTheCommand() throws Failure {
        Invocation before = parse("--socket /tmp/s --json --quiet snapshot-list web1");
        Invocation after = parse("snapshot-list web1 --json --socket=/tmp/s --quiet");
        for (Invocation i : new Invocation[] {before, after}) {
            assertEquals("/tmp/s", i.socket());
            assertTrue(i.json());
            assertTrue(i.quiet());
            assertEquals("{\"domain\":\"web1\"}", Json.compact(i.args()));
        }
        assertEquals("/home/ops/run/s", parse("--socket run/s status").socket(), "relative to the working directory");
        assertNull(parse("status").socket());
    }

    @Test
    void timeoutIsAGlobalOptionInWholeSeconds() throws Failure {
        assertNull(parse("status").timeoutSeconds(), "absent: the default applies and progress lifts it");
        assertEquals(5, parse("--timeout 5 status").timeoutSeconds());
        assertEquals(0, parse("snapshot-delete web1 a --timeout=0").timeoutSeconds());
        assertEquals("{\"domain\":\"web1\",\"names\":[\"a\"]}",
                Json.compact(parse("snapshot-delete web1 a --timeout=0").args()), "never sent to the daemon");
        assertEquals("option --timeout takes a whole number of seconds (0 waits for ever), not \"soon\"",
                assertThrows(Failure.class, () -> parse("--timeout soon status")).getMessage());
        assertEquals(Failure.USAGE, assertThrows(Failure.class, () -> parse("--timeout -1 status")).status());
        assertEquals("option --timeout given twice",
                assertThrows(Failure.class, () -> parse("--timeout 1 status --timeout 2")).getMessage());
        assertEquals("option --timeout needs a value (SECONDS)",
                assertThrows(Failure.class, () -> parse("status --timeout")).getMessage());
    }

    @Test
    void doubleDashEndsOptions() throws Failure {
        assertEquals("{\"domain\":\"web1\",\"names\":[\"a\",\"b\"]}",
                Json.compact(parse("snapshot-delete web1 -- a b").args()));
        assertEquals("{\"domain\":\"web1\",\"name\":\"s\",\"dest\":\"/home/ops/-odd.qcow2\"}",
                Json.compact(parse("export web1 s -- -odd.qcow2").args()));
        assertEquals("invalid snapshot name \"--dry-run\": must not start with '-'",
                assertThrows(Failure.class, () -> parse("snapshot-delete web1 -- --dry-run")).getMessage());
    }

    @Test
    void helpTopics() throws Failure {
        assertTrue(parse("help").help());
        assertNull(parse("help").command());
        assertTrue(parse("--help").help());
        assertTrue(parse("-h").help());
        assertEquals("snapshot-delete", parse("help snapshot-delete").command().name());
        assertEquals("snapshot-delete", parse("snapshot-delete --help").command().name());
        assertTrue(parse("snapshot-delete -h").help(), "help before missing arguments are noticed");
    }

    /** Command line, then the whole message (after "error: "). */
    static Stream<Arguments> usageErrors() {
        return Stream.of(
                Arguments.of("", "missing COMMAND"),
                Arguments.of("snapshot-lst web1", "unknown command \"snapshot-lst\"; did you mean snapshot-list?"),
                Arguments.of("frobnicate", "unknown command \"frobnicate\""),
                Arguments.of("help nothing", "unknown command \"nothing\""),
                Arguments.of("--verbose status", "unknown option --verbose"),
                Arguments.of("snapshot-list web1 --tre", "unknown option --tre for snapshot-list; did you mean --tree?"),
                Arguments.of("status --force", "unknown option --force for status"),
                Arguments.of("snapshot-info web1", "missing NAME"),
                Arguments.of("snapshot-info", "missing DOMAIN"),
                Arguments.of("snapshot-delete web1", "missing NAME"),
                Arguments.of("clone web1 s", "missing NEW-DOMAIN"),
                Arguments.of("status extra", "unexpected argument \"extra\""),
                Arguments.of("chain web1 vda vdb", "unexpected argument \"vdb\""),
                Arguments.of("snapshot-delete web1 a --bandwidth", "option --bandwidth needs a value (MIB/S)"),
                Arguments.of("snapshot-delete web1 a --bandwidth ten", "--bandwidth expects a whole number, got \"ten\""),
                Arguments.of("snapshot-delete web1 a --bandwidth 1.5", "--bandwidth expects a whole number, got \"1.5\""),
                Arguments.of("snapshot-delete web1 a --bandwidth 0", "--bandwidth must be at least 1, got 0"),
                Arguments.of("policy-set web1 --schedule x --keep-last -1", "--keep-last must be at least 0, got -1"),
                Arguments.of("policy-set web1 --schedule x --max-depth 99999999999999999999",
                        "--max-depth is too large: 99999999999999999999"),
                Arguments.of("snapshot-delete web1 a --bandwidth 1 --bandwidth 2", "option --bandwidth given twice"),
                Arguments.of("snapshot-delete web1 a --dry-run=yes", "option --dry-run takes no value"),
                Arguments.of("snapshot-delete web1 a a", "snapshot \"a\" given twice"),
                Arguments.of("snapshot-create web1 --quiesce maybe", "--quiesce must be one of yes, no, auto; got \"maybe\""),
                Arguments.of("blockcopy web1 vda /x --format vmdk", "--format must be one of qcow2, raw; got \"vmdk\""),
                Arguments.of("policy-set web1", "missing --schedule CRON"),
                Arguments.of("policy-set web1 --schedule=", "--schedule must not be empty"),
                Arguments.of("snapshot-create web1 --disks vda,,vdb", "invalid disk name \"\": must not be empty"),
                Arguments.of("snapshot-create web1 --disks vda,vda", "disk \"vda\" listed twice in --disks"),
                Arguments.of("snapshot-info web1 ../x", "invalid snapshot name \"../x\": must not contain '/'"),
                Arguments.of("snapshot-info web1 .hidden", "invalid snapshot name \".hidden\": must not start with '.'"),
                Arguments.of("snapshot-info web1 -- -x", "invalid snapshot name \"-x\": must not start with '-'"),
                Arguments.of("snapshot-info a/b s", "invalid domain name \"a/b\": must not contain '/'"),
                Arguments.of("export web1 s /x --since ../s", "invalid snapshot name \"../s\": must not contain '/'"),
                Arguments.of("chain web1 v/da", "invalid disk name \"v/da\": must not contain '/'"),
                Arguments.of("--socket", "option --socket needs a value (PATH)"),
                Arguments.of("--json=1 status", "option --json takes no value"),
                Arguments.of("--socket a --socket b status", "option --socket given twice"));
    }

    @ParameterizedTest(name = "[{index}] virtchain {0}")
    @MethodSource("usageErrors")
    void rejectsBadCommandLines(String line, String message) {
        Failure failure = assertThrows(Failure.class, () -> parse(line));
        assertEquals(Failure.USAGE, failure.status());
        assertEquals(message, failure.getMessage());
    }

    @Test
    void rejectsNamesThatCannotBeRight() throws Failure {
        String[][] cases = {
            {"", "must not be empty"},
            {"a\nb", "must not contain a newline"},
            {"a\u0000b", "must not contain NUL"},
            {"x".repeat(129), "must not be longer than 128 characters"},
        };
        for (String[] c : cases) {
            Failure f = assertThrows(Failure.class,
                    () -> CommandLine.parse(new String[] {"snapshot-info", "web1", c[0]}, HOME));
            assertTrue(f.getMessage().endsWith(": " + c[1]), f.getMessage());
            assertFalse(f.getMessage().contains("\n"), "the name is escaped: " + f.getMessage());
        }
        assertEquals("invalid snapshot name \"a\\nb\": must not contain a newline",
                assertThrows(Failure.class,
                        () -> CommandLine.parse(new String[] {"snapshot-info", "web1", "a\nb"}, HOME)).getMessage());
        // 128 is fine; names the daemon may still refuse pass here
        CommandLine.parse(new String[] {"snapshot-info", "web1", "x".repeat(128)}, HOME);
        CommandLine.parse(new String[] {"snapshot-info", "web1", "naïve snapshot"}, HOME);
    }

    @Test
    void usageErrorsNameTheirCommand() {
        Failure f = assertThrows(Failure.class, () -> parse("snapshot-info web1"));
        assertEquals("snapshot-info", f.command().name());
        assertNull(assertThrows(Failure.class, () -> parse("nope")).command());
    }
}
