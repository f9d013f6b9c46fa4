package dev.virtchain.daemon.metrics;

import dev.virtchain.daemon.RecoverySummary;
import dev.virtchain.daemon.exec.OperationRunner;
import dev.virtchain.daemon.exec.OperationTally;
import dev.virtchain.daemon.schedule.PolicySchedule;
import dev.virtchain.model.Ledger;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a scrape reads, all of it already in the daemon's memory. The daemon's implementation
 * ({@link LiveSources}) reads its services; tests hand over a fixed state.
 */
public interface MetricSources {

    /** What the daemon is and runs on. */
    BuildInfo build();

    /** The ledgers of the managed domains libvirt has. */
    Collection<Ledger> managedLedgers();

    /** Every policy assignment with its history. */
    List<PolicySchedule.AssignmentRuns> assignments();

    Map<PolicySchedule.RunCount, Long> policyRuns();

    List<OperationRunner.Active> activeOperations();

    OperationTally tally();

    /** Empty until start-up recovery has finished. */
    Optional<RecoverySummary> recovery();

    /** Managed domain to what is wrong with its chains. */
    Map<String, String> drift();

    /** Ledger files that could not be read: their domains are left alone. */
    int quarantinedLedgers();

    /** Managed domains not yet checked against their ledgers since the daemon started: their drift is not known. */
    int uncheckedDomains();

    /** The latest sample of image sizes and free space. */
    ImageSpace.Sample space();

    /** The configured margin an operation must leave free. */
    long minFreeSpaceBytes();
}
