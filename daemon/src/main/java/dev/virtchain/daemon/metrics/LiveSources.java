package dev.virtchain.daemon.metrics;

import dev.virtchain.daemon.Lifecycle;
import dev.virtchain.daemon.RecoverySummary;
import dev.virtchain.daemon.domains.ManagedDomains;
import dev.virtchain.daemon.exec.OperationRunner;
import dev.virtchain.daemon.exec.OperationTally;
import dev.virtchain.daemon.ledger.StoredLedger;
import dev.virtchain.daemon.schedule.PolicySchedule;
import dev.virtchain.model.Ledger;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/** {@link MetricSources} read from the running daemon's services. */
public final class LiveSources implements MetricSources {
    private final BuildInfo build;
    private final ManagedDomains domains;
    private final Supplier<Optional<PolicySchedule>> schedule;
    private final Lifecycle lifecycle;
    private final ImageSpace space;
    private final long minFreeSpaceBytes;

    /**
     * @param schedule the policy schedule, once the daemon has made it
     */
    public LiveSources(BuildInfo build, ManagedDomains domains, Supplier<Optional<PolicySchedule>> schedule,
                       Lifecycle lifecycle, ImageSpace space, long minFreeSpaceBytes) {
        this.build = build;
        this.domains = domains;
        this.schedule = schedule;
        this.lifecycle = lifecycle;
        this.space = space;
        this.minFreeSpaceBytes = minFreeSpaceBytes;
    }

    /** The ledgers of managed domains, for {@link ImageSpace} too. */
    public static Collection<Ledger> managed(ManagedDomains domains) {
        var roster = domains.roster();
        return domains.book().all().stream().map(StoredLedger::ledger)
                .filter(l -> roster.isManaged(l.domainName())).toList();
    }

    @Override
    public BuildInfo build() {
        return build;
    }

    @Override
    public Collection<Ledger> managedLedgers() {
        return managed(domains);
    }

    @Override
    public List<PolicySchedule.AssignmentRuns> assignments() {
        return schedule.get().map(PolicySchedule::runs).orElse(List.of());
    }

    @Override
    public Map<PolicySchedule.RunCount, Long> policyRuns() {
        return schedule.get().map(PolicySchedule::runCounts).orElse(Map.of());
    }

    @Override
    public List<OperationRunner.Active> activeOperations() {
        return domains.runner().active();
    }

    @Override
    public OperationTally tally() {
        return domains.runner().tally();
    }

    @Override
    public Optional<RecoverySummary> recovery() {
        return lifecycle.recovery();
    }

    @Override
    public Map<String, String> drift() {
        return domains.drift();
    }

    @Override
    public int quarantinedLedgers() {
        return domains.quarantined().size();
    }

    @Override
    public int uncheckedDomains() {
        return domains.uncheckedDomains();
    }

    @Override
    public ImageSpace.Sample space() {
        return space.latest();
    }

    @Override
    public long minFreeSpaceBytes() {
        return minFreeSpaceBytes;
    }
}
