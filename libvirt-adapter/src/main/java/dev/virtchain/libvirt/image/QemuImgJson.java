package dev.virtchain.libvirt.image;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads {@code qemu-img --output=json} documents into records. Kept apart from the process
 * runner so recorded outputs (golden files) test it without qemu-img. Field names are
 * qemu-img's; a field qemu-img leaves out (no backing file, a raw image's clusters) becomes
 * {@code null} or -1 rather than a failure, because its JSON omits rather than nulls.
 */
final class QemuImgJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private QemuImgJson() {}

    /** {@code info --backing-chain}: a JSON array, the asked-for image first. */
    static List<ImageInfo> chain(String json) throws JsonProcessingException {
        JsonNode root = JSON.readTree(json);
        List<ImageInfo> chain = new ArrayList<>();
        if (root.isArray()) {
            root.forEach(n -> chain.add(info(n)));
        } else {
            chain.add(info(root)); // info without --backing-chain prints a single object
        }
        return List.copyOf(chain);
    }

    static ImageInfo info(JsonNode n) {
        JsonNode qcow2 = n.path("format-specific").path("data");
        return new ImageInfo(
                Path.of(required(n, "filename").asText()),
                required(n, "format").asText(),
                required(n, "virtual-size").asLong(),
                n.path("actual-size").asLong(-1),
                n.path("cluster-size").asLong(0),
                text(n, "backing-filename"),
                n.has("full-backing-filename") ? Path.of(n.get("full-backing-filename").asText()) : null,
                text(n, "backing-filename-format"),
                n.path("dirty-flag").asBoolean(false),
                qcow2.path("corrupt").asBoolean(false));
    }

    static List<ImageExtent> extents(String json) throws JsonProcessingException {
        List<ImageExtent> out = new ArrayList<>();
        for (JsonNode n : JSON.readTree(json)) {
            out.add(extent(n));
        }
        return out;
    }

    /**
     * {@code map --output=json}, read as it streams: one extent object at a time is held, and each
     * is folded into the map's per-depth totals, so a map of millions of runs takes no more memory
     * than one of ten.
     */
    static ImageMap foldExtents(Path image, InputStream in) throws IOException {
        ImageMap.Fold fold = new ImageMap.Fold(image);
        try (JsonParser p = JSON.getFactory().createParser(in)) {
            p.configure(JsonParser.Feature.AUTO_CLOSE_SOURCE, false); // the runner drains what is left
            if (p.nextToken() != JsonToken.START_ARRAY) {
                throw new JsonParseException(p, "qemu-img map did not print a JSON array");
            }
            while (p.nextToken() == JsonToken.START_OBJECT) {
                JsonNode n = JSON.readTree(p);
                try {
                    fold.add(extent(n));
                } catch (Unexpected e) {
                    throw new JsonParseException(p, e.getMessage());
                }
            }
            if (p.currentToken() != JsonToken.END_ARRAY) {
                throw new JsonParseException(p, "qemu-img map output ended before its array closed");
            }
        }
        return fold.result();
    }

    private static ImageExtent extent(JsonNode n) {
        return new ImageExtent(
                required(n, "start").asLong(),
                required(n, "length").asLong(),
                required(n, "depth").asInt(),
                n.path("present").asBoolean(true),
                required(n, "zero").asBoolean(),
                required(n, "data").asBoolean(),
                n.path("offset").asLong(-1));
    }

    static ImageCheck check(Path image, String json) throws JsonProcessingException {
        JsonNode n = JSON.readTree(json);
        return new ImageCheck(image,
                n.path("corruptions").asLong(0),
                n.path("leaks").asLong(0),
                n.path("check-errors").asLong(0),
                n.path("allocated-clusters").asLong(-1));
    }

    static ImageMeasure measure(String json) throws JsonProcessingException {
        JsonNode n = JSON.readTree(json);
        return new ImageMeasure(required(n, "required").asLong(), required(n, "fully-allocated").asLong());
    }

    /**
     * Output that is JSON but lacks what virtchain reads from it: a qemu-img that prints other
     * fields than the versions this was written against. The runner reports it as a failed
     * command naming the images ({@link ImageToolException.Failed}).
     */
    static final class Unexpected extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unexpected(String problem) {
            super(problem);
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static JsonNode required(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw new Unexpected("qemu-img JSON lacks \"" + field + "\": " + n);
        }
        return v;
    }
}
