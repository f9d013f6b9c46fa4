package dev.virtchain.daemon.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Compares a reply's shape with a recorded one from {@code cli/src/test/resources/replies}: the
 * same members in the same order, the same JSON types, recursively. A member may be null on one
 * side only (nullable members: a root snapshot's parent, an unset description); arrays are
 * compared element by element against the recorded array's first element, since the recorded
 * examples show one element of each kind.
 */
final class Shape {
    static final Path REPLIES = RealDaemon.ROOT.resolve("cli/src/test/resources/replies");
    private static final ObjectMapper JSON = new ObjectMapper();

    private Shape() {}

    static JsonNode reply(String file) {
        try {
            return JSON.readTree(Files.readString(REPLIES.resolve(file)));
        } catch (IOException e) {
            throw new AssertionError("cannot read recorded reply " + file, e);
        }
    }

    static void assertSameShape(JsonNode expected, JsonNode actual) {
        List<String> problems = new ArrayList<>();
        compare("", expected, actual, problems);
        if (!problems.isEmpty()) {
            fail("shape differs from the recorded reply: " + String.join("; ", problems) + "\nactual: " + actual);
        }
    }

    private static void compare(String at, JsonNode expected, JsonNode actual, List<String> problems) {
        if (expected.isNull() || actual.isNull()) {
            return;
        }
        if (expected.getNodeType() != actual.getNodeType()) {
            problems.add(at + " is " + actual.getNodeType() + ", recorded " + expected.getNodeType());
            return;
        }
        if (expected.isObject()) {
            List<String> e = names(expected);
            List<String> a = names(actual);
            if (!e.equals(a)) {
                problems.add((at.isEmpty() ? "top level" : at) + " has members " + a + ", recorded " + e);
                return;
            }
            for (String k : e) {
                compare(at + "/" + k, expected.get(k), actual.get(k), problems);
            }
        } else if (expected.isArray() && !expected.isEmpty()) {
            for (int i = 0; i < actual.size(); i++) {
                compare(at + "/" + i, expected.get(0), actual.get(i), problems);
            }
        }
    }

    private static List<String> names(JsonNode o) {
        List<String> out = new ArrayList<>();
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            out.add(it.next());
        }
        return out;
    }

    /** As {@link #assertSameShape}, after dropping the top-level members {@code extras} from a copy of {@code actual}. */
    static void assertSameShapeBesides(JsonNode expected, JsonNode actual, List<String> extras) {
        com.fasterxml.jackson.databind.node.ObjectNode copy = actual.deepCopy();
        copy.remove(extras);
        assertSameShape(expected, copy);
    }

    static void assertSameMembers(List<String> expected, JsonNode actual) {
        assertEquals(expected, names(actual), actual.toString());
    }
}
