package dev.virtchain.daemon.control;

import dev.virtchain.daemon.ProgressSink;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * One command of the control protocol. Runs on a connection thread; may run for hours (a block
 * job), reporting through {@code progress}. Returns the result's {@code data}, built with
 * {@link Json#object()} and plain JSON values only (objects, arrays, strings, numbers,
 * booleans, null; times as ISO-8601 strings) because the CLI parses it without a JSON library.
 */
@FunctionalInterface
public interface CommandHandler {

    JsonNode handle(CommandArgs args, ProgressSink progress) throws CommandFailure;
}
