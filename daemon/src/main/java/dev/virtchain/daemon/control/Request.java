package dev.virtchain.daemon.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * One request line: {@code {"v":1,"id":"…","command":"…","args":{…}}}. Fields other than these
 * four are ignored, so a newer client can add some without breaking an older daemon.
 */
public record Request(String id, String command, CommandArgs args) {

    /** The protocol version this daemon speaks. */
    public static final int VERSION = 1;

    static final int MAX_ID_LENGTH = 128;

    /** Parses JSON text; the failure carries no id because none could be read. */
    static JsonNode tree(byte[] line) throws CommandFailure {
        try {
            return Json.read(line);
        } catch (IOException e) {
            throw CommandFailure.invalidArgument("request is not valid JSON: " + firstLine(e.getMessage()));
        }
    }

    /** The request's id if it has a usable one, so that even a refusal can be matched to it. */
    static String idOf(JsonNode tree) {
        JsonNode id = tree == null ? null : tree.get("id");
        return id != null && id.isTextual() && id.textValue().length() <= MAX_ID_LENGTH ? id.textValue() : null;
    }

    static Request from(JsonNode tree) throws CommandFailure {
        if (!tree.isObject()) {
            throw CommandFailure.invalidArgument("request must be a JSON object");
        }
        JsonNode v = tree.get("v");
        if (v == null || !v.isIntegralNumber()) {
            throw CommandFailure.invalidArgument("request needs \"v\": " + VERSION + " (the protocol version)");
        }
        if (v.asLong() != VERSION) {
            throw new CommandFailure(ErrorCode.UNSUPPORTED_VERSION, "protocol version " + v.asText()
                    + " is not supported; this daemon speaks version " + VERSION);
        }
        JsonNode id = tree.get("id");
        if (id == null || !id.isTextual() || id.textValue().isEmpty() || id.textValue().length() > MAX_ID_LENGTH) {
            throw CommandFailure.invalidArgument("request needs an \"id\": a string of 1 to " + MAX_ID_LENGTH + " characters");
        }
        JsonNode command = tree.get("command");
        if (command == null || !command.isTextual() || command.textValue().isEmpty()) {
            throw CommandFailure.invalidArgument("request needs a \"command\" string");
        }
        JsonNode args = tree.get("args");
        if (args != null && !args.isNull() && !args.isObject()) {
            throw CommandFailure.invalidArgument("\"args\" must be a JSON object");
        }
        CommandArgs parsed = args == null || args.isNull() ? CommandArgs.none() : new CommandArgs((ObjectNode) args);
        return new Request(id.textValue(), command.textValue(), parsed);
    }

    /** Jackson appends a source excerpt on later lines; the first line is the useful part. */
    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
