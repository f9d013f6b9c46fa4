package dev.virtchain.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small JSON reader and writer for the control protocol.
 *
 * <p>Values are plain Java objects so that no class is loaded for them: an object is a
 * {@code Map<String, Object>} keeping the order of its keys, an array a {@code List<Object>},
 * a string a {@code String}, a number a {@code Long} when it is written without fraction or
 * exponent and fits, otherwise a {@code Double}, {@code true}/{@code false} a {@code Boolean},
 * and {@code null} is {@code null}. A repeated key keeps its last value.
 *
 * <p>The writer takes the same kinds of values (any {@code Number}) and writes them back so
 * that reading and writing again gives the same text. Pretty output indents by two spaces,
 * puts one member per line and writes {@code "key": value}, like {@code jq}.
 */
final class Json {
    /** Deep enough for any reply; shallow enough that a hostile one cannot overflow the stack. */
    private static final int MAX_DEPTH = 256;

    private final String text;
    private int pos;
    private int depth;

    private Json(String text) {
        this.text = text;
    }

    /** Reads one JSON value that must fill {@code text} (white space around it is allowed). */
    static Object parse(String text) {
        Json reader = new Json(text);
        reader.skipSpace();
        Object value = reader.value();
        reader.skipSpace();
        if (reader.pos != text.length()) {
            throw reader.error("unexpected text after the value");
        }
        return value;
    }

    /** Reads one JSON object, as each protocol line is. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> parseObject(String text) {
        Object value = parse(text);
        if (!(value instanceof Map)) {
            throw new IllegalArgumentException("malformed JSON: expected an object, got " + kind(value));
        }
        return (Map<String, Object>) value;
    }

    /** Writes {@code value} on one line, as a protocol line. */
    static String compact(Object value) {
        StringBuilder out = new StringBuilder();
        write(out, value, -1);
        return out.toString();
    }

    /** Writes {@code value} indented, without a final newline. */
    static String pretty(Object value) {
        StringBuilder out = new StringBuilder();
        write(out, value, 0);
        return out.toString();
    }

    // ---- lenient accessors for rendering: a missing or mistyped member reads as absent ----

    static String string(Map<String, Object> object, String key) {
        Object value = object == null ? null : object.get(key);
        if (value == null) {
            return null;
        }
        return value instanceof String ? (String) value : compact(value);
    }

    /** A number member as a long, or {@code -1} when absent or not a number. */
    static long number(Map<String, Object> object, String key) {
        Object value = object == null ? null : object.get(key);
        return value instanceof Number ? ((Number) value).longValue() : -1;
    }

    static boolean bool(Map<String, Object> object, String key) {
        return object != null && Boolean.TRUE.equals(object.get(key));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(Map<String, Object> object, String key) {
        Object value = object == null ? null : object.get(key);
        return value instanceof Map ? (Map<String, Object>) value : null;
    }

    /** The objects of an array member, skipping anything that is not an object. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> objects(Map<String, Object> object, String key) {
        Object value = object == null ? null : object.get(key);
        List<Map<String, Object>> result = new ArrayList<>();
        if (value instanceof List) {
            for (Object element : (List<Object>) value) {
                if (element instanceof Map) {
                    result.add((Map<String, Object>) element);
                }
            }
        }
        return result;
    }

    /** The elements of an array member as text. */
    @SuppressWarnings("unchecked")
    static List<String> strings(Map<String, Object> object, String key) {
        Object value = object == null ? null : object.get(key);
        List<String> result = new ArrayList<>();
        if (value instanceof List) {
            for (Object element : (List<Object>) value) {
                result.add(element instanceof String ? (String) element : compact(element));
            }
        }
        return result;
    }

    // ---- reader ----

    private Object value() {
        if (pos >= text.length()) {
            throw error("unexpected end of input");
        }
        char c = text.charAt(pos);
        switch (c) {
            case '{':
                return object();
            case '[':
                return array();
            case '"':
                return string();
            case 't':
                return literal("true", Boolean.TRUE);
            case 'f':
                return literal("false", Boolean.FALSE);
            case 'n':
                return literal("null", null);
            default:
                if (c == '-' || (c >= '0' && c <= '9')) {
                    return number();
                }
                throw error("unexpected character " + describe(c));
        }
    }

    private Map<String, Object> object() {
        enter();
        pos++; // '{'
        Map<String, Object> members = new LinkedHashMap<>();
        skipSpace();
        if (peek() == '}') {
            pos++;
            depth--;
            return members;
        }
        while (true) {
            skipSpace();
            if (peek() != '"') {
                throw error("expected a member name in quotes");
            }
            String key = string();
            skipSpace();
            expect(':');
            skipSpace();
            members.put(key, value());
            skipSpace();
            char c = peek();
            pos++;
            if (c == '}') {
                depth--;
                return members;
            }
            if (c != ',') {
                pos--;
                throw error("expected ',' or '}'");
            }
        }
    }

    private List<Object> array() {
        enter();
        pos++; // '['
        List<Object> elements = new ArrayList<>();
        skipSpace();
        if (peek() == ']') {
            pos++;
            depth--;
            return elements;
        }
        while (true) {
            skipSpace();
            elements.add(value());
            skipSpace();
            char c = peek();
            pos++;
            if (c == ']') {
                depth--;
                return elements;
            }
            if (c != ',') {
                pos--;
                throw error("expected ',' or ']'");
            }
        }
    }

    private String string() {
        pos++; // opening quote
        StringBuilder out = null;
        int start = pos;
        while (true) {
            if (pos >= text.length()) {
                throw error("unterminated string");
            }
            char c = text.charAt(pos);
            if (c == '"') {
                String tail = text.substring(start, pos++);
                return out == null ? tail : out.append(tail).toString();
            }
            if (c < 0x20) {
                throw error("control character " + describe(c) + " in a string");
            }
            if (c != '\\') {
                pos++;
                continue;
            }
            if (out == null) {
                out = new StringBuilder();
            }
            out.append(text, start, pos);
            pos++;
            if (pos >= text.length()) {
                throw error("unterminated string");
            }
            char e = text.charAt(pos++);
            switch (e) {
                case '"': out.append('"'); break;
                case '\\': out.append('\\'); break;
                case '/': out.append('/'); break;
                case 'b': out.append('\b'); break;
                case 'f': out.append('\f'); break;
                case 'n': out.append('\n'); break;
                case 'r': out.append('\r'); break;
                case 't': out.append('\t'); break;
                case 'u': out.append(hex4()); break;
                default:
                    pos--;
                    throw error("invalid escape \\" + e);
            }
            start = pos;
        }
    }

    private char hex4() {
        if (pos + 4 > text.length()) {
            throw error("truncated \\u escape");
        }
        int value = 0;
        for (int i = 0; i < 4; i++) {
            int digit = Character.digit(text.charAt(pos + i), 16);
            if (digit < 0) {
                throw error("invalid \\u escape");
            }
            value = value * 16 + digit;
        }
        pos += 4;
        // Surrogate pairs arrive as two escapes and combine by simply being appended in order.
        return (char) value;
    }

    private Object number() {
        int start = pos;
        boolean integral = true;
        if (peek() == '-') {
            pos++;
        }
        if (peek() == '0') {
            pos++;
        } else if (isDigit(peek())) {
            digits();
        } else {
            throw error("expected a digit");
        }
        if (peek() == '.') {
            integral = false;
            pos++;
            if (!isDigit(peek())) {
                throw error("expected a digit after '.'");
            }
            digits();
        }
        if (peek() == 'e' || peek() == 'E') {
            integral = false;
            pos++;
            if (peek() == '+' || peek() == '-') {
                pos++;
            }
            if (!isDigit(peek())) {
                throw error("expected a digit in the exponent");
            }
            digits();
        }
        String literal = text.substring(start, pos);
        if (integral) {
            try {
                return Long.parseLong(literal);
            } catch (NumberFormatException tooBig) {
                // falls through: beyond a long, keep the magnitude as a double
            }
        }
        return Double.parseDouble(literal);
    }

    private void digits() {
        while (isDigit(peek())) {
            pos++;
        }
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private Object literal(String word, Object value) {
        if (!text.startsWith(word, pos)) {
            throw error("unexpected character " + describe(text.charAt(pos)));
        }
        pos += word.length();
        return value;
    }

    private void enter() {
        if (++depth > MAX_DEPTH) {
            throw error("nested deeper than " + MAX_DEPTH);
        }
    }

    private char peek() {
        return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private void expect(char c) {
        if (peek() != c) {
            throw error("expected '" + c + "'");
        }
        pos++;
    }

    private void skipSpace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private IllegalArgumentException error(String what) {
        if (pos >= text.length() && !what.startsWith("unexpected end") && !what.startsWith("unterminated")) {
            what = "unexpected end of input (" + what + ")";
        }
        return new IllegalArgumentException("malformed JSON at offset " + pos + ": " + what);
    }

    private static String describe(char c) {
        if (c >= 0x20 && c < 0x7f) {
            return "'" + c + "'";
        }
        return "U+" + hex(c);
    }

    private static String kind(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof List) {
            return "an array";
        }
        if (value instanceof String) {
            return "a string";
        }
        return value instanceof Boolean ? "a boolean" : "a number";
    }

    // ---- writer ----

    /** {@code indent < 0} writes compactly; otherwise it is the current indentation depth. */
    private static void write(StringBuilder out, Object value, int indent) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof String) {
            quote(out, (String) value);
        } else if (value instanceof Boolean) {
            out.append(((Boolean) value).booleanValue());
        } else if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw new IllegalArgumentException("JSON has no representation for " + d);
            }
            out.append(value);
        } else if (value instanceof Number) {
            out.append(value);
        } else if (value instanceof Map) {
            writeObject(out, (Map<?, ?>) value, indent);
        } else if (value instanceof List) {
            writeArray(out, (List<?>) value, indent);
        } else {
            throw new IllegalArgumentException("cannot write " + value.getClass().getName() + " as JSON");
        }
    }

    private static void writeObject(StringBuilder out, Map<?, ?> members, int indent) {
        if (members.isEmpty()) {
            out.append("{}");
            return;
        }
        out.append('{');
        int inner = indent < 0 ? -1 : indent + 1;
        boolean first = true;
        for (Map.Entry<?, ?> member : members.entrySet()) {
            if (!first) {
                out.append(',');
            }
            first = false;
            newline(out, inner);
            quote(out, String.valueOf(member.getKey()));
            out.append(indent < 0 ? ":" : ": ");
            write(out, member.getValue(), inner);
        }
        newline(out, indent);
        out.append('}');
    }

    private static void writeArray(StringBuilder out, List<?> elements, int indent) {
        if (elements.isEmpty()) {
            out.append("[]");
            return;
        }
        out.append('[');
        int inner = indent < 0 ? -1 : indent + 1;
        boolean first = true;
        for (Object element : elements) {
            if (!first) {
                out.append(',');
            }
            first = false;
            newline(out, inner);
            write(out, element, inner);
        }
        newline(out, indent);
        out.append(']');
    }

    private static void newline(StringBuilder out, int indent) {
        if (indent < 0) {
            return;
        }
        out.append('\n');
        for (int i = 0; i < indent; i++) {
            out.append("  ");
        }
    }

    static void quote(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': out.append("\\\""); break;
                case '\\': out.append("\\\\"); break;
                case '\n': out.append("\\n"); break;
                case '\r': out.append("\\r"); break;
                case '\t': out.append("\\t"); break;
                case '\b': out.append("\\b"); break;
                case '\f': out.append("\\f"); break;
                default:
                    // U+2028/2029 are valid JSON but end lines in JavaScript and some terminals.
                    if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
                        out.append("\\u").append(hex(c));
                    } else {
                        out.append(c);
                    }
            }
        }
        out.append('"');
    }

    private static String hex(char c) {
        String digits = Integer.toHexString(c);
        return "0000".substring(digits.length()) + digits;
    }
}
