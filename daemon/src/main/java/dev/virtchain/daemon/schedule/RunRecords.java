package dev.virtchain.daemon.schedule;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.daemon.store.AtomicFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When each (policy, domain) assignment was first scheduled, last fired, last succeeded and
 * last failed, kept in one small JSON file in the state directory and replaced atomically on
 * every change:
 *
 * <pre>
 * {"version":1,"runs":{"nightly":{"web-1":{"since":"2025-01-01T00:00:00Z",
 *   "lastFire":"…","lastSuccess":"…","lastFailure":"…","lastFailureMessage":"…"}}}}
 * </pre>
 *
 * Records of assignments that no longer exist are kept: a domain that is briefly undefined, or
 * libvirt answering late at start, must not make its next run look like its first. An
 * unreadable file is moved aside (not deleted) and the daemon starts with no records; the worst
 * that costs is one missed run not being caught up.
 */
final class RunRecords {

    private static final Logger log = LoggerFactory.getLogger(RunRecords.class);
    private static final int VERSION = 1;
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** One assignment's history; null fields have not happened. */
    record Run(Instant since, Instant lastFire, Instant lastSuccess, Instant lastFailure, String lastFailureMessage) {

        static final Run NONE = new Run(null, null, null, null, null);

        /** The time up to which the schedule is accounted for: a fire time after it that has passed was missed. */
        Instant coveredUntil() {
            if (lastFire == null) {
                return since;
            }
            return since == null || lastFire.isAfter(since) ? lastFire : since;
        }

        Run withSince(Instant t) {
            return new Run(t, lastFire, lastSuccess, lastFailure, lastFailureMessage);
        }

        Run fired(Instant t) {
            return new Run(since, t, lastSuccess, lastFailure, lastFailureMessage);
        }

        Run succeeded(Instant t) {
            return new Run(since, lastFire, t, lastFailure, lastFailureMessage);
        }

        Run failed(Instant t, String message) {
            return new Run(since, lastFire, lastSuccess, t, message);
        }
    }

    private final Path file;
    private final Map<String, Map<String, Run>> runs = new TreeMap<>();

    RunRecords(Path file) {
        this.file = file;
    }

    synchronized void load() {
        runs.clear();
        if (!Files.exists(file)) {
            return;
        }
        try {
            JsonNode root = MAPPER.readTree(file.toFile());
            if (root == null || root.path("version").asInt() != VERSION) {
                throw new IOException("not a version " + VERSION + " run record file");
            }
            for (Map.Entry<String, JsonNode> p : root.path("runs").properties()) {
                for (Map.Entry<String, JsonNode> d : p.getValue().properties()) {
                    JsonNode r = d.getValue();
                    runs.computeIfAbsent(p.getKey(), k -> new TreeMap<>()).put(d.getKey(), new Run(
                            time(r, "since"), time(r, "lastFire"), time(r, "lastSuccess"), time(r, "lastFailure"),
                            r.hasNonNull("lastFailureMessage") ? r.get("lastFailureMessage").asText() : null));
                }
            }
        } catch (IOException | DateTimeParseException e) {
            runs.clear();
            Path aside = file.resolveSibling(file.getFileName() + ".unreadable-" + System.currentTimeMillis());
            log.error("cannot read schedule records {} ({}); moved it to {} and starting without them,"
                    + " so runs missed while the daemon was down will not be caught up", file, e.getMessage(), aside);
            try {
                Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException moveFailure) {
                log.error("cannot move {} aside: {}", file, moveFailure.getMessage());
            }
        }
    }

    synchronized Run get(Assignment a) {
        return runs.getOrDefault(a.policy().name(), Map.of()).getOrDefault(a.domain(), Run.NONE);
    }

    /** Changes one assignment's record and writes the file before returning. */
    synchronized Run update(Assignment a, UnaryOperator<Run> change) throws IOException {
        Map<String, Run> byDomain = runs.computeIfAbsent(a.policy().name(), k -> new TreeMap<>());
        Run updated = change.apply(byDomain.getOrDefault(a.domain(), Run.NONE));
        byDomain.put(a.domain(), updated);
        save();
        return updated;
    }

    private void save() throws IOException {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("version", VERSION);
        ObjectNode all = root.putObject("runs");
        runs.forEach((policy, byDomain) -> {
            ObjectNode p = all.putObject(policy);
            byDomain.forEach((domain, r) -> {
                ObjectNode d = p.putObject(domain);
                putTime(d, "since", r.since());
                putTime(d, "lastFire", r.lastFire());
                putTime(d, "lastSuccess", r.lastSuccess());
                putTime(d, "lastFailure", r.lastFailure());
                if (r.lastFailureMessage() != null) {
                    d.put("lastFailureMessage", r.lastFailureMessage());
                }
            });
        });
        AtomicFile.replace(file, MAPPER.writeValueAsBytes(root));
    }

    private static Instant time(JsonNode record, String key) {
        JsonNode v = record.get(key);
        return v == null || v.isNull() ? null : Instant.parse(v.asText());
    }

    private static void putTime(ObjectNode node, String key, Instant t) {
        if (t != null) {
            node.put(key, t.toString());
        }
    }
}
