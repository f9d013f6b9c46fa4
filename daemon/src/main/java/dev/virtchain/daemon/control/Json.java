package dev.virtchain.daemon.control;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * The daemon's one JSON mapper and the few things done with it. Strict on input (duplicate keys
 * and trailing garbage are errors: a request that could mean two things is refused), compact on
 * output (one response per line; Jackson escapes any newline inside strings).
 */
public final class Json {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Json() {
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    public static ArrayNode array() {
        return MAPPER.createArrayNode();
    }

    /** ISO-8601 with offset Z, or JSON null; times in results are written this way. */
    public static JsonNode time(Instant instant) {
        return instant == null ? MAPPER.nullNode() : MAPPER.getNodeFactory().textNode(instant.toString());
    }

    public static JsonNode read(byte[] json) throws IOException {
        return MAPPER.readTree(json);
    }

    /** One protocol line: compact JSON and a newline. */
    public static byte[] line(JsonNode node) {
        try {
            byte[] body = MAPPER.writeValueAsBytes(node);
            byte[] out = new byte[body.length + 1];
            System.arraycopy(body, 0, out, 0, body.length);
            out[body.length] = '\n';
            return out;
        } catch (JsonProcessingException e) {
            // A tree of plain nodes always serialises; reaching here is a bug.
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    public static String text(JsonNode node) {
        return new String(line(node), StandardCharsets.UTF_8).strip();
    }
}
