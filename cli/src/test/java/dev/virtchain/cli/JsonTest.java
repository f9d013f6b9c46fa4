package dev.virtchain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonTest {

    @Test
    void readsEveryKindOfValue() {
        Object value = Json.parse(" {\"s\":\"x\",\"i\":-12,\"d\":1.5e3,\"t\":true,\"f\":false,\"n\":null,"
                + "\"a\":[1,[],{}],\"o\":{\"k\":\"v\"}} ");
        Map<?, ?> map = (Map<?, ?>) value;
        assertEquals("x", map.get("s"));
        assertEquals(-12L, map.get("i"));
        assertEquals(1500.0, map.get("d"));
        assertEquals(Boolean.TRUE, map.get("t"));
        assertEquals(Boolean.FALSE, map.get("f"));
        assertTrue(map.containsKey("n"));
        assertNull(map.get("n"));
        assertEquals(Arrays.asList(1L, List.of(), Map.of()), map.get("a"));
        assertEquals(Map.of("k", "v"), map.get("o"));
        assertEquals(List.of("s", "i", "d", "t", "f", "n", "a", "o"), List.copyOf(map.keySet()), "key order kept");
    }

    @Test
    void readsEscapes() {
        assertEquals("\"\\/\b\f\n\r\t", Json.parse("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\""));
        assertEquals("é\u0000", Json.parse("\"\\u00e9\\u0000\""));
        assertEquals("\uD83D\uDE00", Json.parse("\"\\ud83d\\ude00\""), "surrogate pair");
        assertEquals("ünïcødé ✓", Json.parse("\"ünïcødé ✓\""), "raw non-ASCII");
    }

    @Test
    void numbersAreLongsUnlessTheyCannotBe() {
        assertEquals(0L, Json.parse("0"));
        assertEquals(Long.MAX_VALUE, Json.parse("9223372036854775807"));
        assertEquals(Long.MIN_VALUE, Json.parse("-9223372036854775808"));
        assertEquals(9.223372036854775808E18, Json.parse("9223372036854775808"), "beyond long: double");
        assertEquals(0.5, Json.parse("0.5"));
        assertEquals(-2.0E-3, Json.parse("-2E-3"));
        assertEquals(100.0, Json.parse("1e2"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "'x'", "\"abc",
        "\"a\nb\"", "\"\\x\"", "\"\\u12\"", "\"\\u12g4\"", "01", "-", "1.", ".5", "1e", "+1", "tru", "nul",
        "NaN", "[1] 2", "{\"a\":1}}", "[1 2]", "\"\\"})
    void rejectsMalformedInput(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse(text));
        assertTrue(e.getMessage().startsWith("malformed JSON at offset "), e.getMessage());
    }

    @Test
    void saysWhereAndWhat() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\":1 \"b\":2}"));
        assertEquals("malformed JSON at offset 7: expected ',' or '}'", e.getMessage());
    }

    @Test
    void refusesNestingDeeperThanTheLimit() {
        String deep = "[".repeat(300) + "]".repeat(300);
        assertThrows(IllegalArgumentException.class, () -> Json.parse(deep));
        String fine = "[".repeat(200) + "]".repeat(200);
        Json.parse(fine);
    }

    @Test
    void parseObjectWantsAnObject() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parseObject("[1]"));
        assertEquals("malformed JSON: expected an object, got an array", e.getMessage());
    }

    @Test
    void writesCompactly() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("v", 1);
        value.put("names", List.of("a", "b"));
        value.put("dry-run", true);
        value.put("none", null);
        value.put("empty", Map.of());
        value.put("ratio", 0.25);
        assertEquals("{\"v\":1,\"names\":[\"a\",\"b\"],\"dry-run\":true,\"none\":null,\"empty\":{},\"ratio\":0.25}",
                Json.compact(value));
    }

    @Test
    void writesPrettily() {
        Object value = Json.parse("{\"a\":[1,{\"b\":null}],\"c\":{},\"d\":[],\"e\":\"x\"}");
        assertEquals("{\n"
                + "  \"a\": [\n"
                + "    1,\n"
                + "    {\n"
                + "      \"b\": null\n"
                + "    }\n"
                + "  ],\n"
                + "  \"c\": {},\n"
                + "  \"d\": [],\n"
                + "  \"e\": \"x\"\n"
                + "}", Json.pretty(value));
    }

    @Test
    void escapesWhatMustBeEscaped() {
        assertEquals("\"q\\\" b\\\\ n\\n t\\t c\\u0001 d\\u007f ls\\u2028 é\"",
                Json.compact("q\" b\\ n\n t\t c\u0001 d\u007f ls\u2028 é"));
    }

    @Test
    void refusesWhatJsonCannotSay() {
        assertThrows(IllegalArgumentException.class, () -> Json.compact(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Json.compact(new Object()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "[]", "null", "true", "\"\"", "-0", "1.0", "1.5E-7", "-9223372036854775808",
        "{\"a\":{\"b\":[1,2,{\"c\":\"\\u0000\\n\\\"\"}]},\"é\":\"\\ud83d\\ude00\"}"})
    void roundTrips(String text) {
        Object once = Json.parse(text);
        assertEquals(once, Json.parse(Json.compact(once)));
        assertEquals(once, Json.parse(Json.pretty(once)));
        assertEquals(Json.compact(once), Json.compact(Json.parse(Json.pretty(once))));
    }

    @Test
    void everyReplyFixtureRoundTrips() throws Exception {
        for (String name : Fixtures.replyNames()) {
            Object once = Json.parse(Fixtures.reply(name));
            assertEquals(once, Json.parse(Json.pretty(once)), name);
        }
    }

    @Test
    void lenientAccessorsReadAbsentAsAbsent() {
        Map<String, Object> object = Json.parseObject("{\"n\":5,\"s\":\"x\",\"l\":[\"a\",1],\"o\":{},\"b\":true}");
        assertEquals(5, Json.number(object, "n"));
        assertEquals(-1, Json.number(object, "s"));
        assertEquals(-1, Json.number(null, "n"));
        assertEquals("5", Json.string(object, "n"));
        assertNull(Json.string(object, "missing"));
        assertEquals(List.of("a", "1"), Json.strings(object, "l"));
        assertEquals(List.of(), Json.objects(object, "l"));
        assertEquals(Map.of(), Json.object(object, "o"));
        assertNull(Json.object(object, "s"));
        assertTrue(Json.bool(object, "b"));
    }
}
