package dev.virtchain.daemon.control;

import dev.virtchain.daemon.ProgressSink;
import com.fasterxml.jackson.databind.JsonNode;
import dev.virtchain.daemon.Lifecycle;
import dev.virtchain.model.Text;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The control protocol's commands, by name. Components register their handlers at start-up;
 * the control socket dispatches each request here.
 *
 * <p>Commands that read (ping, status, listing) run in every phase; commands that change
 * chains are registered {@link Availability#WHEN_READY} and answer {@link ErrorCode#BUSY}
 * while the daemon is still recovering or already stopping, because recovery must see the
 * journal before anything new is written to it.
 */
public final class Commands {

    /** When a command may run. */
    public enum Availability {
        /** In every phase: the command only reads. */
        ALWAYS,
        /** Only once recovery has finished and until shutdown begins. */
        WHEN_READY
    }

    private record Registration(Availability availability, CommandHandler handler) {
    }

    private final Lifecycle lifecycle;
    private final Map<String, Registration> registrations = new ConcurrentHashMap<>();

    public Commands(Lifecycle lifecycle) {
        this.lifecycle = Objects.requireNonNull(lifecycle, "lifecycle");
    }

    public void register(String name, Availability availability, CommandHandler handler) {
        Objects.requireNonNull(availability, "availability");
        Objects.requireNonNull(handler, "handler");
        if (registrations.putIfAbsent(name, new Registration(availability, handler)) != null) {
            throw new IllegalStateException("command '" + name + "' is already registered");
        }
    }

    public List<String> names() {
        return registrations.keySet().stream().sorted().toList();
    }

    /** Runs a request's command; the caller turns the result or failure into the final line. */
    public JsonNode dispatch(Request request, ProgressSink progress) throws CommandFailure {
        Registration r = registrations.get(request.command());
        if (r == null) {
            throw new CommandFailure(ErrorCode.UNKNOWN_COMMAND, "unknown command '" + Text.escape(request.command(), 64)
                    + "'; this daemon knows " + String.join(", ", names()));
        }
        if (r.availability() == Availability.WHEN_READY && lifecycle.phase() != Lifecycle.Phase.READY) {
            String why = switch (lifecycle.phase()) {
                case STARTING, RECOVERING -> "the daemon is still recovering interrupted operations; try again shortly";
                case STOPPING -> "the daemon is shutting down";
                case READY -> throw new IllegalStateException("unreachable");
            };
            throw new CommandFailure(ErrorCode.BUSY, why);
        }
        return r.handler().handle(request.args(), progress);
    }
}
