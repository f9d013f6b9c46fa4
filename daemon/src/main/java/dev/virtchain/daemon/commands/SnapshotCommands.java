package dev.virtchain.daemon.commands;

import dev.virtchain.daemon.control.Commands;
import dev.virtchain.daemon.control.Commands.Availability;
import dev.virtchain.daemon.domains.Services;

/**
 * The commands that read and change snapshots, chains, jobs and policies, registered on the
 * control socket. Each answers in the shapes documented for the CLI's {@code --json}
 * ({@code cli/JSON.md}). Commands that only read answer in every phase; those that change
 * chains or policies wait until recovery has finished.
 */
public final class SnapshotCommands {
    private SnapshotCommands() {}

    /** Registers every command, without a policy schedule to re-assign (tests). */
    public static void register(Commands commands, Services services) {
        register(commands, services, PolicySchedules.NONE);
    }

    public static void register(Commands commands, Services services, PolicySchedules schedules) {
        Context cx = Context.of(services, schedules);
        AdoptCommand.register(commands, services);
        commands.register(SnapshotCreateCommand.NAME, Availability.WHEN_READY, new SnapshotCreateCommand(cx));
        commands.register(SnapshotListCommand.NAME, Availability.ALWAYS, new SnapshotListCommand(cx));
        commands.register(SnapshotDeleteCommand.NAME, Availability.WHEN_READY, new SnapshotDeleteCommand(cx));
        commands.register(SnapshotRevertCommand.NAME, Availability.WHEN_READY, new SnapshotRevertCommand(cx));
        commands.register(PruneCommand.NAME, Availability.WHEN_READY, new PruneCommand(cx));
        commands.register(SnapshotInfoCommand.NAME, Availability.ALWAYS, new SnapshotInfoCommand(cx));
        commands.register(JobListCommand.NAME, Availability.ALWAYS, new JobListCommand(cx));
    }
}
