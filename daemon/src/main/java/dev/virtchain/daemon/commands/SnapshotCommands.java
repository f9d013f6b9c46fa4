package dev.virtchain.daemon.commands;

import dev.virtchain.daemon.control.Commands;
import dev.virtchain.daemon.domains.Services;

/**
 * The commands that read and change snapshots, chains, jobs and policies, registered on the
 * control socket. Each answers in the shapes documented for the CLI's {@code --json}.
 */
public final class SnapshotCommands {
    private SnapshotCommands() {}

    public static void register(Commands commands, Services services) {
        AdoptCommand.register(commands, services);
    }
}
