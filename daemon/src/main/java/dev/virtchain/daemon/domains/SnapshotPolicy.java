package dev.virtchain.daemon.domains;

import dev.virtchain.daemon.LogScope;
import dev.virtchain.daemon.config.CronSchedule;
import dev.virtchain.daemon.config.DomainPattern;
import dev.virtchain.daemon.config.InvalidCronException;
import dev.virtchain.daemon.config.Policy;
import dev.virtchain.daemon.config.Quiesce;
import dev.virtchain.daemon.config.Retention;
import dev.virtchain.daemon.ProgressSink;
import dev.virtchain.daemon.exec.OperationRunner;
import dev.virtchain.daemon.schedule.PolicyRun;
import dev.virtchain.libvirt.xml.PolicyMetadata;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.Origin;
import dev.virtchain.model.Snapshot;
import dev.virtchain.model.Tombstone;
import dev.virtchain.model.plan.Intent;
import dev.virtchain.model.plan.QuiesceMode;
import dev.virtchain.model.retention.RetentionCandidate;
import dev.virtchain.model.retention.RetentionDecision;
import dev.virtchain.model.retention.RetentionPolicy;
import java.time.Clock;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a policy does when it fires: take a snapshot named after the policy and the time, then
 * prune the policy's own snapshots to what its retention keeps, all deletions in one plan.
 * Snapshots made by hand or by another policy are never pruned by this one.
 */
public final class SnapshotPolicy implements PolicyRun {
    private static final Logger log = LoggerFactory.getLogger(SnapshotPolicy.class);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    /** The policy name a domain's own {@code <metadata>} policy gets. */
    public static final String METADATA_POLICY = "metadata";

    private final ManagedDomains domains;
    private final Clock clock;
    private final ZoneId zone;

    public SnapshotPolicy(ManagedDomains domains, Clock clock, ZoneId zone) {
        this.domains = domains;
        this.clock = clock;
        this.zone = zone;
    }

    @Override
    public void run(String domain, Policy policy) {
        try (LogScope scope = LogScope.domain(domain)) {
            domains.awaitChecked(domain);
            String name = policy.name() + "-" + STAMP.format(clock.instant());
            domains.runner().run(domain, new Intent.Create(name, Set.of(), quiesce(policy.quiesce()), null,
                    Origin.policy(policy.name())), OperationRunner.Options.DEFAULT, ProgressSink.DISCARD);
            log.info("policy {} took snapshot {} of {}", policy.name(), name, domain);
            prune(domain, policy, false);
        }
    }

    /** Deletes (or, with {@code dryRun}, only plans deleting) what the policy's retention no longer keeps. */
    public PruneResult prune(String domain, Policy policy, boolean dryRun) {
        domains.awaitChecked(domain);
        Ledger ledger = domains.book().byName(domain).orElseThrow(() -> new IllegalArgumentException(
                "domain " + domain + " is not managed by virtchain")).ledger();
        RetentionDecision decision = decide(ledger, policy);
        List<String> doomed = decision.toDelete().stream().map(RetentionCandidate::name).toList();
        // A prune whose merge failed (a block job that did not finish) leaves its images as pending
        // tombstones: the next run finishes them even when it has nothing new to delete.
        boolean pending = ledger.tombstones().stream().anyMatch(Tombstone::mergePending);
        if (doomed.isEmpty() && !pending) {
            return new PruneResult(policy.name(), decision, List.of(), null);
        }
        OperationRunner.Result r = domains.runner().run(domain, new Intent.Delete(new LinkedHashSet<>(doomed)),
                new OperationRunner.Options(dryRun, 0, false), ProgressSink.DISCARD);
        if (!dryRun && !doomed.isEmpty()) {
            log.info("policy {} pruned {} snapshots of {}: {}", policy.name(), doomed.size(), domain, doomed);
        } else if (!dryRun) {
            log.info("policy {} finished the merges an earlier prune of {} left pending", policy.name(), domain);
        }
        return new PruneResult(policy.name(), decision, doomed, r);
    }

    /** The retention verdicts for one policy's snapshots of a domain. */
    public RetentionDecision decide(Ledger ledger, Policy policy) {
        List<RetentionCandidate> mine = new ArrayList<>();
        for (Snapshot s : ledger.snapshots()) {
            if (s.origin().kind() == Origin.Kind.POLICY && policy.name().equals(s.origin().policy())) {
                mine.add(new RetentionCandidate(s.name(), s.created(), !s.holds().isEmpty() || !s.protectedBy().isEmpty()));
            }
        }
        Retention r = policy.retention();
        return dev.virtchain.model.retention.Retention.evaluate(mine, new RetentionPolicy(r.keepLast(), r.keepHourly(),
                r.keepDaily(), r.keepWeekly(), r.keepMonthly(), r.keepYearly(), policy.maxDepth()), zone);
    }

    /** What a prune decided and, when it deleted anything, the operation that did it. */
    public record PruneResult(String policy, RetentionDecision decision, List<String> deleted,
                              OperationRunner.Result operation) {}

    /** A domain's own policy, kept in its libvirt {@code <metadata>}, as a policy assigned to it alone. */
    public static Policy fromMetadata(String domain, PolicyMetadata m) throws InvalidCronException {
        Quiesce q = switch (m.quiesce()) {
            case AUTO -> Quiesce.AUTO;
            case REQUIRED -> Quiesce.YES;
            case OFF -> Quiesce.NO;
        };
        return new Policy(METADATA_POLICY, DomainPattern.exactly(domain), CronSchedule.parse(m.schedule()), q,
                new Retention(m.keepLast(), m.keepHourly(), m.keepDaily(), m.keepWeekly(), m.keepMonthly(), m.keepYearly()),
                m.maxDepth());
    }

    private static QuiesceMode quiesce(Quiesce q) {
        return switch (q) {
            case YES -> QuiesceMode.YES;
            case NO -> QuiesceMode.NO;
            case AUTO -> QuiesceMode.AUTO;
        };
    }
}
