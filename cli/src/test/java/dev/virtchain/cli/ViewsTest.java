package dev.virtchain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.virtchain.cli.CommandLine.Invocation;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The human output of each command, against golden files in src/test/resources/golden. */
class ViewsTest {

    static String render(String line, Object data) throws Failure {
        Invocation invocation = CommandLine.parse(line.split(" "), Path.of("/home/ops"));
        return new Views(Fixtures.ZONE).render(invocation.command(), invocation.args(), data);
    }

    /** Golden name, command line, recorded reply. */
    static Stream<Arguments> views() {
        return Stream.of(
                Arguments.of("status", "status", "status"),
                Arguments.of("domains", "domains", "domains"),
                Arguments.of("snapshot-create", "snapshot-create web1", "snapshot-create"),
                Arguments.of("snapshot-list", "snapshot-list web1", "snapshot-list"),
                Arguments.of("snapshot-list-tree", "snapshot-list web1 --tree", "snapshot-list"),
                Arguments.of("snapshot-info", "snapshot-info web1 nightly-2", "snapshot-info"),
                Arguments.of("snapshot-delete-dry-run", "snapshot-delete web1 nightly-1 nightly-2 --dry-run",
                        "delete-planned"),
                Arguments.of("snapshot-delete", "snapshot-delete web1 nightly-1 nightly-2", "delete-done"),
                Arguments.of("snapshot-delete-no-wait", "snapshot-delete web1 nightly-1 --no-wait", "delete-started"),
                Arguments.of("snapshot-revert", "snapshot-revert web1 nightly-1", "revert-done"),
                Arguments.of("prune-dry-run", "prune web1 --dry-run", "prune-planned"),
                Arguments.of("chain", "chain web1", "chain"),
                Arguments.of("du", "du web1", "du"),
                Arguments.of("clone", "clone web1 nightly-2 web1-test", "clone-done"),
                Arguments.of("flatten", "flatten web1 vda", "flatten-done"),
                Arguments.of("blockcopy", "blockcopy web1 vda /mnt/fast/web1.qcow2 --pivot", "blockcopy-done"),
                Arguments.of("export", "export web1 nightly-2 /backup/web1-nightly-2.qcow2 --since nightly-1",
                        "export-done"),
                Arguments.of("export-directory", "export web1 nightly-2 /backup", "export-dir-done"),
                Arguments.of("job-list", "job-list", "job-list"),
                Arguments.of("job-abort", "job-abort web1 vda", "job-abort"),
                Arguments.of("policy-show", "policy-show web1", "policy-show"),
                Arguments.of("policy-remove", "policy-remove web1", "policy-remove"),
                Arguments.of("adopt", "adopt legacy", "adopt"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("views")
    void rendersTheRecordedReply(String golden, String line, String reply) throws Failure {
        Fixtures.assertGolden(golden, render(line, Fixtures.replyData(reply)));
    }

    @Test
    void emptyResultsSaySo() throws Failure {
        assertEquals("No managed domains.\n", render("domains", Map.of()));
        assertEquals("web1 has no snapshots.\n", render("snapshot-list web1", Map.of()));
        assertEquals("web1 has no snapshots.\n", render("snapshot-list web1 --tree", Map.of("snapshots", java.util.List.of())));
        assertEquals("No block jobs.\n", render("job-list", Map.of("jobs", java.util.List.of())));
        assertEquals("web1 has no policy.\n", render("policy-show web1", Json.parseObject("{\"policy\":null}")));
        assertEquals("web1 had no policy.\n", render("policy-remove web1", Json.parseObject("{\"removed\":false}")));
    }

    @Test
    void driftIsNotCalledNoneWhileDomainsAreNotCheckedYet() throws Failure {
        String checking = render("status", Json.parseObject("{\"health\":\"degraded\",\"drift\":[],"
                + "\"startCheck\":{\"unchecked\":838,\"total\":1000}}"));
        assertEquals("Drift:        none found yet (838 of 1000 domains not checked yet)",
                checking.lines().filter(l -> l.startsWith("Drift:")).findFirst().orElseThrow());
        String done = render("status", Json.parseObject("{\"health\":\"ok\",\"drift\":[],"
                + "\"startCheck\":{\"unchecked\":0,\"total\":1000}}"));
        assertEquals("Drift:        none", done.lines().filter(l -> l.startsWith("Drift:")).findFirst().orElseThrow());
    }

    @Test
    void missingMembersPrintAsDashes() throws Failure {
        assertEquals("NAME  CREATED  PARENT  CONSISTENCY  ORIGIN\n"
                        + "-     -        -       -            -\n",
                render("snapshot-list web1", Json.parseObject("{\"snapshots\":[{}]}")));
    }

    @Test
    void parentCyclesDoNotLoseSnapshots() throws Failure {
        String out = render("snapshot-list web1 --tree", Json.parseObject("{\"snapshots\":["
                + "{\"name\":\"a\",\"parent\":\"b\"},{\"name\":\"b\",\"parent\":\"a\"}]}"));
        assertEquals("NAME   CREATED  CONSISTENCY  ORIGIN\n"
                + "a      -        -            -\n"
                + "`-- b  -        -            -\n", out);
    }

    @Test
    void controlCharactersFromTheDaemonCannotBreakTheLayout() throws Failure {
        String out = render("snapshot-list web1", Json.parseObject("{\"snapshots\":[{\"name\":\"a\\rb\\u001b[2J\"}]}"));
        assertEquals("NAME     CREATED  PARENT  CONSISTENCY  ORIGIN\n"
                + "a b [2J  -        -       -            -\n", out);
    }

    @Test
    void aResultThatIsNotAnObjectIsShownAsJson() throws Failure {
        assertEquals("[\n  1\n]\n", render("status", java.util.List.of(1L)));
    }

    @Test
    void sizes() {
        assertEquals("-", Table.size(-1));
        assertEquals("0 B", Table.size(0));
        assertEquals("1023 B", Table.size(1023));
        assertEquals("1.0 KiB", Table.size(1024));
        assertEquals("1.5 GiB", Table.size(1610612736L));
        assertEquals("1.0 MiB", Table.size(1048575), "1023.999 KiB rounds up into the next unit");
        assertEquals("267.0 MiB", Table.size(279969792L));
        assertEquals("8.0 EiB", Table.size(Long.MAX_VALUE));
        assertEquals("35.2 MiB/s", Table.rate(35.2 * 1048576));
    }

    @Test
    void durations() {
        assertEquals("0:04", Table.duration(4));
        assertEquals("12:30", Table.duration(750));
        assertEquals("2:05:09", Table.duration(7509));
    }

    @Test
    void timesAreLocalIso8601() {
        assertEquals("2025-06-01T04:00:00", Table.time("2025-06-01T02:00:00Z", Fixtures.ZONE), "summer");
        assertEquals("2025-01-01T03:00:00", Table.time("2025-01-01T02:00:00Z", Fixtures.ZONE), "winter");
        assertEquals("2025-06-01T04:00:00", Table.time("2025-06-01T02:00:00.123456Z", Fixtures.ZONE));
        assertEquals("2025-06-01T04:00:00", Table.time("2025-06-01T07:30:00+05:30", Fixtures.ZONE));
        assertEquals("2025-06-01T04:00:00", Table.time("2025-05-31T21:00:00-0500", Fixtures.ZONE));
        assertEquals("2025-06-01T02:00:00", Table.time("2025-06-01T02:00:00Z", ZoneOffset.UTC));
        assertEquals("2025-06-01T02:00:00", Table.time("2025-06-01T02:00:00", Fixtures.ZONE), "no offset: local");
        assertEquals("yesterday", Table.time("yesterday", Fixtures.ZONE), "not a time: as it is");
        assertEquals("2025-13-01T02:00:00Z", Table.time("2025-13-01T02:00:00Z", Fixtures.ZONE));
        assertEquals("-", Table.time(null, Fixtures.ZONE));
    }

    @Test
    void tablesAlignAndTrim() {
        Table table = new Table("NAME", ">SIZE", "NOTE");
        table.row("a", "1.0 KiB", null).row("longer", "512 B", "x");
        assertEquals("NAME       SIZE  NOTE\n"
                + "a       1.0 KiB  -\n"
                + "longer    512 B  x\n", table.render(""));
    }
}
