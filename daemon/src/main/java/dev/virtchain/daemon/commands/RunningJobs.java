package dev.virtchain.daemon.commands;

import java.util.List;

/** The executor's view of its running jobs, for {@code status}. */
@FunctionalInterface
public interface RunningJobs {

    /** Until the executor exists nothing runs. */
    RunningJobs NONE = List::of;

    List<RunningJob> running();
}
