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
    public static StatusSources register(Commands commands, Services services) {
        return register(commands, services, PolicySchedules.NONE);
    }

    /**
     * Registers every command but {@code status} (the daemon registers that one at start) and
     * returns what {@code status} reads from the same services and jobs.
     */
    public static StatusSources register(Commands commands, Services services, PolicySchedules schedules) {
        Context cx = Context.of(services, schedules);
        commands.register(AdoptCommand.NAME, Availability.WHEN_READY, new AdoptCommand(cx));
        commands.register(SnapshotCreateCommand.NAME, Availability.WHEN_READY, new SnapshotCreateCommand(cx));
        commands.register(SnapshotListCommand.NAME, Availability.ALWAYS, new SnapshotListCommand(cx));
        commands.register(SnapshotDeleteCommand.NAME, Availability.WHEN_READY, new SnapshotDeleteCommand(cx));
        commands.register(SnapshotRevertCommand.NAME, Availability.WHEN_READY, new SnapshotRevertCommand(cx));
        commands.register(PruneCommand.NAME, Availability.WHEN_READY, new PruneCommand(cx));
        commands.register(SnapshotInfoCommand.NAME, Availability.ALWAYS, new SnapshotInfoCommand(cx));
        commands.register(JobListCommand.NAME, Availability.ALWAYS, new JobListCommand(cx));
        commands.register(JobAbortCommand.NAME, Availability.WHEN_READY, new JobAbortCommand(cx));
        commands.register(DomainsCommand.NAME, Availability.ALWAYS, new DomainsCommand(cx));
        commands.register(ChainCommand.NAME, Availability.ALWAYS, new ChainCommand(cx));
        commands.register(DuCommand.NAME, Availability.WHEN_READY, new DuCommand(cx));
        commands.register(CloneCommand.NAME, Availability.WHEN_READY, new CloneCommand(cx));
        commands.register(FlattenCommand.NAME, Availability.WHEN_READY, new FlattenCommand(cx));
        commands.register(BlockCopyCommand.NAME, Availability.WHEN_READY, new BlockCopyCommand(cx));
        commands.register(ExportCommand.NAME, Availability.WHEN_READY, new ExportCommand(cx));
        PolicyCommands policies = new PolicyCommands(cx);
        commands.register(PolicyCommands.SET, Availability.WHEN_READY, policies::set);
        commands.register(PolicyCommands.SHOW, Availability.ALWAYS, policies::show);
        commands.register(PolicyCommands.REMOVE, Availability.WHEN_READY, policies::remove);
        return new LiveStatus(services, cx.jobs());
    }
}
