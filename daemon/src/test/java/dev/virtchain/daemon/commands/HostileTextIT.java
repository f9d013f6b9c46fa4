package dev.virtchain.daemon.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtchain.daemon.testclient.TinyClient;
import dev.virtchain.testing.TestDomain;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile client text against the real daemon and a real domain: descriptions and schedules
 * with noncharacters, lone surrogates, controls, bidi overrides and 10 KB, sent over the socket
 * as raw JSON (the escapes a client can write) and through {@code bin/virtchain}. Each is refused
 * naming the position and code point, or stored as given; then the daemon restarts and must load
 * every ledger (no domain quarantined).
 */
@Timeout(900)
class HostileTextIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /**
     * JSON string bodies (as a client writes them, escapes and all) and what the refusal must
     * say, '|'-separated: the code point, and why at which position.
     */
    private static final Map<String, String> HOSTILE = new LinkedHashMap<>();

    static {
        HOSTILE.put("ok \\uFFFE", "U+FFFE|a noncharacter, at position 4");
        HOSTILE.put("ok \\uFFFF", "U+FFFF|a noncharacter, at position 4");
        HOSTILE.put("\\uFDD0", "U+FDD0|a noncharacter, at position 1");
        HOSTILE.put("plane one \\uD83F\\uDFFE", "U+01FFFE|a noncharacter, at position 11");
        HOSTILE.put("lone \\ud800 high", "U+D800|surrogate pair without its other half, at position 6");
        HOSTILE.put("lone \\udc00 low", "U+DC00|surrogate pair without its other half, at position 6");
        HOSTILE.put("two\\nlines", "U+000A|a control character, at position 4");
        HOSTILE.put("esc \\u001b[31mred", "U+001B|a control character, at position 5");
        HOSTILE.put("c1 \\u0085", "U+0085|a control character, at position 4");
        HOSTILE.put("invoice\\u202Efdp.exe", "U+202E (RIGHT-TO-LEFT OVERRIDE)|a format character (such as a bidi override or a zero-width character), at position 8");
        HOSTILE.put("isolate \\u2066x\\u2069", "U+2066|a format character (such as a bidi override or a zero-width character), at position 9");
        HOSTILE.put("zero\\u200Bwidth", "U+200B|a format character (such as a bidi override or a zero-width character), at position 5");
        HOSTILE.put("x".repeat(10 * 1024), "10240 characters long (at most 1024)");
    }

    private static List<JsonNode> send(RealDaemon d, String rawLine) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String l : TinyClient.exchange(d.socket(), rawLine)) {
            out.add(JSON.readTree(l));
        }
        return out;
    }

    private static JsonNode last(List<JsonNode> lines) {
        return lines.get(lines.size() - 1);
    }

    private static List<String> snapshotNames(RealDaemon d, String domain) throws Exception {
        RealDaemon.Run r = d.cli("--json", "snapshot-list", domain);
        assertEquals(0, r.status(), r.toString());
        List<String> names = new ArrayList<>();
        r.json().path("snapshots").forEach(s -> names.add(s.path("name").textValue()));
        return names;
    }

    @Test
    void hostileTextIsRefusedPrintableTextIsKeptAndEveryLedgerLoadsAfterARestart() throws Exception {
        try (TestDomain dom = TestDomain.builder().create()) {
            String d = dom.name();
            List<String> expected = new ArrayList<>();
            Map<String, String> descriptions = new LinkedHashMap<>();
            try (RealDaemon daemon = RealDaemon.start(dir, "")) {
                assertEquals(0, daemon.cli("--json", "adopt", d).status());

                int n = 0;
                for (Map.Entry<String, String> h : HOSTILE.entrySet()) {
                    String name = "h" + n++;
                    JsonNode reply = last(send(daemon, "{\"v\":1,\"id\":\"t" + n + "\",\"command\":\"snapshot-create\","
                            + "\"args\":{\"domain\":\"" + d + "\",\"name\":\"" + name + "\",\"description\":\""
                            + h.getKey() + "\"}}"));
                    assertEquals("error", reply.path("type").textValue(), h.getKey() + ": " + reply);
                    assertEquals("INVALID_ARGUMENT", reply.path("code").textValue(), reply.toString());
                    String message = reply.path("message").textValue();
                    assertTrue(message.startsWith("the description of snapshot " + name + " in domain " + d
                            + " is refused: "), message);
                    for (String part : h.getValue().split("\\|")) {
                        assertTrue(message.contains(part), h.getKey() + " -> " + message + " lacks " + part);
                    }
                    assertEquals(d, reply.path("domain").textValue());
                    assertEquals(name, reply.path("snapshot").textValue());
                }
                assertEquals(List.of(), snapshotNames(daemon, d), "nothing was taken for a refused request");

                // The CLI passes text as given; the daemon is the one that refuses it.
                RealDaemon.Run bidi = daemon.cli("--json", "snapshot-create", d, "c1", "--description",
                        "report\u202Eslx.exe");
                assertEquals(1, bidi.status(), bidi.toString());
                assertEquals("INVALID_ARGUMENT", bidi.json().path("code").textValue(), bidi.toString());
                assertTrue(bidi.err().contains("U+202E (RIGHT-TO-LEFT OVERRIDE)") && bidi.err().contains("position 7"),
                        bidi.err());
                RealDaemon.Run big = daemon.cli("snapshot-create", d, "c2", "--description", "y".repeat(10 * 1024));
                assertEquals(1, big.status(), big.toString());

                // A schedule is stored text too (in the domain's libvirt metadata).
                JsonNode schedule = last(send(daemon, "{\"v\":1,\"id\":\"p\",\"command\":\"policy-set\",\"args\":{"
                        + "\"domain\":\"" + d + "\",\"schedule\":\"@daily\\uFFFF\",\"keep-last\":3}}"));
                assertEquals("INVALID_ARGUMENT", schedule.path("code").textValue(), schedule.toString());
                assertTrue(schedule.path("message").textValue().contains("U+FFFF"), schedule.toString());

                // Printable text of any script, and names with ':', are stored as given.
                descriptions.put("nightly:01", "caf\u00e9 \u65e5\u672c\u8a9e \uD83D\uDE80 before the upgrade: 100%");
                descriptions.put("a:b", "right-to-left script is fine: \u05e9\u05dc\u05d5\u05dd");
                descriptions.put("max", "\u00e9".repeat(1024));
                for (Map.Entry<String, String> s : descriptions.entrySet()) {
                    RealDaemon.Run r = daemon.cli("--json", "snapshot-create", d, s.getKey(), "--description",
                            s.getValue());
                    assertEquals(0, r.status(), r.toString());
                    assertEquals(s.getValue(), r.json().at("/snapshot/description").textValue());
                    expected.add(s.getKey());
                }
                assertEquals(expected, snapshotNames(daemon, d));
                assertFalse(daemon.log().contains("\u202E"), "no bidi override reaches the log");
            }

            // A restart must load every ledger: none quarantined, every description as it was.
            try (RealDaemon again = RealDaemon.start(dir, "")) {
                assertFalse(again.log().contains("left in place"), again.log());
                RealDaemon.Run status = again.cli("--json", "status");
                assertEquals("ok", status.json().path("health").textValue(), status.toString());
                assertEquals(expected, snapshotNames(again, d));
                for (Map.Entry<String, String> s : descriptions.entrySet()) {
                    RealDaemon.Run info = again.cli("--json", "snapshot-info", d, s.getKey());
                    assertEquals(0, info.status(), info.toString());
                    assertEquals(s.getValue(), info.json().path("description").textValue());
                }
                try (var ledgers = Files.list(dir.resolve("state/ledgers"))) {
                    // Other domains on this host may have ledgers too: every one must have loaded.
                    assertTrue(ledgers.anyMatch(f -> f.toString().endsWith(".xml")));
                }
                // Clean up the chain before the domain goes: delete every snapshot.
                List<String> args = new ArrayList<>(List.of("--json", "snapshot-delete", d));
                args.addAll(expected);
                RealDaemon.Run deleted = again.cli(args.toArray(String[]::new));
                assertEquals(0, deleted.status(), deleted.toString());
            }
        }
    }
}
