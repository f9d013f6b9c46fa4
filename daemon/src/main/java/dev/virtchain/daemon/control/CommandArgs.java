package dev.virtchain.daemon.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.model.Text;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * A request's {@code args} object with typed accessors. A missing or mistyped argument becomes
 * an {@link ErrorCode#INVALID_ARGUMENT} failure naming the argument, so handlers read their
 * arguments in a few lines and never see a half-valid request.
 */
public final class CommandArgs {

    private final ObjectNode args;

    public CommandArgs(ObjectNode args) {
        this.args = args.deepCopy();
    }

    public static CommandArgs none() {
        return new CommandArgs(Json.object());
    }

    /** Refuses arguments the command does not know, so a typo is not silently ignored. */
    public CommandArgs allowOnly(Set<String> known) throws CommandFailure {
        Iterator<String> names = args.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!known.contains(name)) {
                throw CommandFailure.invalidArgument("unknown argument '" + Text.escape(name, 64) + "'"
                        + (known.isEmpty() ? "; this command takes none" : "; expected " + String.join(", ",
                        known.stream().sorted().toList())));
            }
        }
        return this;
    }

    public String requiredString(String name) throws CommandFailure {
        return optionalString(name).orElseThrow(() -> CommandFailure.invalidArgument("argument '" + name + "' is required"));
    }

    public Optional<String> optionalString(String name) throws CommandFailure {
        JsonNode v = args.get(name);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isTextual()) {
            throw CommandFailure.invalidArgument("argument '" + name + "' must be a string, got " + v.getNodeType().name().toLowerCase());
        }
        return Optional.of(v.textValue());
    }

    public boolean flag(String name, boolean fallback) throws CommandFailure {
        JsonNode v = args.get(name);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isBoolean()) {
            throw CommandFailure.invalidArgument("argument '" + name + "' must be true or false");
        }
        return v.booleanValue();
    }

    public OptionalLong optionalNumber(String name) throws CommandFailure {
        JsonNode v = args.get(name);
        if (v == null || v.isNull()) {
            return OptionalLong.empty();
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw CommandFailure.invalidArgument("argument '" + name + "' must be a whole number");
        }
        return OptionalLong.of(v.longValue());
    }

    /** An array of strings; absent means empty. */
    public List<String> strings(String name) throws CommandFailure {
        JsonNode v = args.get(name);
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (!v.isArray()) {
            throw CommandFailure.invalidArgument("argument '" + name + "' must be an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode item : v) {
            if (!item.isTextual()) {
                throw CommandFailure.invalidArgument("argument '" + name + "' must be an array of strings");
            }
            out.add(item.textValue());
        }
        return List.copyOf(out);
    }

    /** A copy of the raw object, for arguments richer than the accessors cover. */
    public ObjectNode asObject() {
        return args.deepCopy();
    }

    @Override
    public String toString() {
        return args.toString();
    }
}
