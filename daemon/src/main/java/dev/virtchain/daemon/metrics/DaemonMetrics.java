package dev.virtchain.daemon.metrics;

import dev.virtchain.daemon.RecoverySummary;
import dev.virtchain.daemon.config.Policy;
import dev.virtchain.daemon.config.Retention;
import dev.virtchain.daemon.exec.OperationRunner;
import dev.virtchain.daemon.exec.OperationTally;
import dev.virtchain.daemon.schedule.PolicySchedule;
import dev.virtchain.model.Disk;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.Origin;
import dev.virtchain.model.Snapshot;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Every virtchain metric family, built at scrape time from {@link MetricSources}. Nothing is
 * kept between scrapes but the policy intervals (one per distinct schedule), so the registry
 * holds no per-domain children that would have to be removed when a domain goes away, and a
 * domain that stops being managed stops being reported at the next scrape.
 *
 * <p>Times are exported as Unix timestamps ({@code _timestamp_seconds}), not ages: an age is out
 * of date the moment it is scraped, while {@code time() - x} in a query is always right.
 */
public final class DaemonMetrics implements MultiCollector {

    private static final Set<String> BLOCK_JOB_PHASES = Set.of("commit", "pull", "copy");

    private final MetricSources sources;
    private final PolicyIntervals intervals = new PolicyIntervals();

    public DaemonMetrics(MetricSources sources) {
        this.sources = Objects.requireNonNull(sources, "sources");
    }

    @Override
    public MetricSnapshots collect() {
        List<MetricSnapshot> out = new ArrayList<>(48);
        build(out);
        List<Ledger> ledgers = List.copyOf(sources.managedLedgers());
        domains(out, ledgers);
        policies(out, ledgers);
        operations(out);
        recovery(out);
        space(out);
        return new MetricSnapshots(out);
    }

    private void build(List<MetricSnapshot> out) {
        BuildInfo b = sources.build();
        out.add(InfoSnapshot.builder().name("virtchain_build")
                .help("virtchain's version and the host's libvirt and QEMU versions; always 1")
                .dataPoint(InfoSnapshot.InfoDataPointSnapshot.builder()
                        .labels(Labels.of("version", b.version(), "libvirt_version", b.libvirtVersion(),
                                "qemu_version", b.qemuVersion()))
                        .build())
                .build());
    }

    private void domains(List<MetricSnapshot> out, List<Ledger> ledgers) {
        Gauge managed = new Gauge("virtchain_domains_managed", "Domains this daemon manages", null);
        managed.add(ledgers.size());
        Gauge snapshots = new Gauge("virtchain_domain_snapshots", "Snapshots a managed domain has", null);
        Gauge newest = new Gauge("virtchain_domain_newest_snapshot_timestamp_seconds",
                "When the domain's newest snapshot was taken; absent while it has none", Unit.SECONDS);
        Gauge depth = new Gauge("virtchain_disk_chain_depth",
                "Images in the disk's backing chain, the active image included", null);
        Gauge drift = new Gauge("virtchain_domain_drift",
                "1 when the domain's live chains differ from its ledger in a way virtchain could not take in", null);
        Gauge bytes = new Gauge("virtchain_domain_image_bytes",
                "Bytes of the domain's image files (sampled): kind=active for the active images, kind=snapshots for"
                        + " the images that hold its snapshots", Unit.BYTES);
        Map<String, String> drifted = sources.drift();
        ImageSpace.Sample space = sources.space();
        for (Ledger l : ledgers) {
            String d = l.domainName();
            snapshots.add(l.snapshots().size(), "domain", d);
            newestOf(l.snapshots(), null).ifPresent(t -> newest.add(seconds(t), "domain", d));
            for (Disk disk : l.disks()) {
                depth.add(disk.activeChain().size(), "domain", d, "disk", disk.target());
            }
            if (drifted.containsKey(d)) {
                drift.add(1, "domain", d);
            }
            ImageSpace.DomainBytes b = space.domains().get(d);
            if (b != null) {
                bytes.add(b.active(), "domain", d, "kind", "active");
                bytes.add(b.snapshots(), "domain", d, "kind", "snapshots");
            }
        }
        out.add(managed.snapshot());
        out.add(snapshots.snapshot());
        out.add(newest.snapshot());
        out.add(depth.snapshot());
        out.add(drift.snapshot());
        out.add(bytes.snapshot());
        Counter quiesce = new Counter("virtchain_snapshot_quiesce_fallbacks",
                "Snapshots of a running domain that asked for quiescing (quiesce=auto) and were taken"
                        + " crash-consistent because the guest agent did not answer", null);
        Set<String> names = new java.util.HashSet<>();
        ledgers.forEach(l -> names.add(l.domainName()));
        sources.tally().quiesceFallbacks().forEach((domain, n) -> {
            if (names.contains(domain)) {
                quiesce.add(n, "domain", domain);
            }
        });
        out.add(quiesce.snapshot());
    }

    private void policies(List<MetricSnapshot> out, List<Ledger> ledgers) {
        Map<String, Ledger> byName = new HashMap<>();
        ledgers.forEach(l -> byName.put(l.domainName(), l));
        Gauge count = new Gauge("virtchain_policy_snapshots", "Snapshots the policy took that the domain still has", null);
        Gauge newest = new Gauge("virtchain_policy_newest_snapshot_timestamp_seconds",
                "When the newest snapshot the policy took of the domain was taken; absent while there is none",
                Unit.SECONDS);
        Gauge interval = new Gauge("virtchain_policy_interval_seconds",
                "The longest time between two runs of the policy's schedule", Unit.SECONDS);
        Gauge keep = new Gauge("virtchain_policy_retention_snapshots",
                "The most snapshots the policy's keep-* rules can keep; absent when it keeps everything", null);
        Gauge maxDepth = new Gauge("virtchain_policy_max_chain_depth",
                "The policy's max-depth; absent when it leaves depth to retention", null);
        Gauge success = new Gauge("virtchain_policy_last_success_timestamp_seconds",
                "When the policy's last successful run for the domain ended", Unit.SECONDS);
        Gauge failure = new Gauge("virtchain_policy_last_failure_timestamp_seconds",
                "When the policy's last failed run for the domain ended", Unit.SECONDS);
        for (PolicySchedule.AssignmentRuns a : sources.assignments()) {
            Policy p = a.assignment().policy();
            String domain = a.assignment().domain();
            Ledger l = byName.get(domain);
            if (l == null) {
                continue; // not managed (or not adopted yet): not counted
            }
            String[] labels = {"policy", p.name(), "domain", domain};
            List<Snapshot> mine = l.snapshots().stream().filter(s -> s.origin().kind() == Origin.Kind.POLICY
                    && p.name().equals(s.origin().policy())).toList();
            count.add(mine.size(), labels);
            newestOf(mine, null).ifPresent(t -> newest.add(seconds(t), labels));
            intervals.of(p.schedule()).ifPresent(s -> interval.add(s, labels));
            Retention r = p.retention();
            if (!r.keepsAll()) {
                keep.add((long) r.keepLast() + r.keepHourly() + r.keepDaily() + r.keepWeekly() + r.keepMonthly()
                        + r.keepYearly(), labels);
            }
            if (p.maxDepth() > 0) {
                maxDepth.add(p.maxDepth(), labels);
            }
            if (a.lastSuccess() != null) {
                success.add(seconds(a.lastSuccess()), labels);
            }
            if (a.lastFailure() != null) {
                failure.add(seconds(a.lastFailure()), labels);
            }
        }
        out.add(count.snapshot());
        out.add(newest.snapshot());
        out.add(interval.snapshot());
        out.add(keep.snapshot());
        out.add(maxDepth.snapshot());
        out.add(success.snapshot());
        out.add(failure.snapshot());
        Counter runs = new Counter("virtchain_policy_runs", "Policy runs since the daemon started, by policy and"
                + " result (succeeded, failed)", null);
        sources.policyRuns().forEach((k, n) -> runs.add(n, "policy", k.policy(), "result", k.result()));
        out.add(runs.snapshot());
    }

    private void operations(List<MetricSnapshot> out) {
        OperationTally t = sources.tally();
        Counter ops = new Counter("virtchain_operations", "Operations since the daemon started, by kind (create,"
                + " delete, revert, …) and result (succeeded, refused, failed)", null);
        t.operations().forEach((k, n) -> ops.add(n, "kind", k.kind(), "result", k.result().label()));
        out.add(ops.snapshot());
        Counter planned = new Counter("virtchain_merge_planned_bytes",
                "Bytes the planner estimated merges would copy, by kind of merge", Unit.BYTES);
        t.plannedMergeBytes().forEach((k, n) -> planned.add(n, "kind", k));
        out.add(planned.snapshot());
        Counter copied = new Counter("virtchain_merge_copied_bytes",
                "Bytes merges' block jobs reported as their work when they ended, by kind of merge", Unit.BYTES);
        t.copiedMergeBytes().forEach((k, n) -> copied.add(n, "kind", k));
        out.add(copied.snapshot());

        List<OperationRunner.Active> active = sources.activeOperations();
        Gauge running = new Gauge("virtchain_operations_running", "Operations under way", null);
        running.add(active.size());
        Gauge jobs = new Gauge("virtchain_block_jobs_running", "Block jobs (commit, pull, copy) under way", null);
        Gauge done = new Gauge("virtchain_operation_progress_done_bytes",
                "Bytes done in the current phase of an operation under way", Unit.BYTES);
        Gauge total = new Gauge("virtchain_operation_progress_total_bytes",
                "Bytes the current phase of an operation under way will process; 0 while unknown", Unit.BYTES);
        int inFlight = 0;
        for (OperationRunner.Active a : active) {
            String phase = a.phase() == null ? "start" : a.phase().split(" ", 2)[0];
            if (BLOCK_JOB_PHASES.contains(phase)) {
                inFlight++;
            }
            done.add(a.done(), "domain", a.domain(), "kind", phase);
            total.add(a.total(), "domain", a.domain(), "kind", phase);
        }
        jobs.add(inFlight);
        out.add(running.snapshot());
        out.add(jobs.snapshot());
        out.add(done.snapshot());
        out.add(total.snapshot());
    }

    private void recovery(List<MetricSnapshot> out) {
        Gauge ops = new Gauge("virtchain_recovery_operations",
                "What start-up recovery did with interrupted operations, by result (completed, rolled_back,"
                        + " unresolved); absent until recovery has finished", null);
        Gauge finished = new Gauge("virtchain_recovery_finished_timestamp_seconds",
                "When start-up recovery finished", Unit.SECONDS);
        sources.recovery().ifPresent((RecoverySummary r) -> {
            ops.add(r.completed(), "result", "completed");
            ops.add(r.rolledBack(), "result", "rolled_back");
            ops.add(r.unresolved().size(), "result", "unresolved");
            finished.add(seconds(r.finishedAt()));
        });
        out.add(ops.snapshot());
        out.add(finished.snapshot());
        Gauge quarantined = new Gauge("virtchain_ledgers_quarantined",
                "Ledger files that could not be read; their domains are left alone until an operator looks", null);
        quarantined.add(sources.quarantinedLedgers());
        out.add(quarantined.snapshot());
        Gauge unchecked = new Gauge("virtchain_domains_unchecked",
                "Managed domains not yet checked against their ledgers since the daemon started (the daemon is ready"
                        + " before they all are): their virtchain_domain_drift is not known yet", null);
        unchecked.add(sources.uncheckedDomains());
        out.add(unchecked.snapshot());
    }

    private void space(List<MetricSnapshot> out) {
        ImageSpace.Sample s = sources.space();
        Gauge free = new Gauge("virtchain_image_directory_free_bytes",
                "Bytes free (for the daemon) in the file system of a directory holding managed images (sampled)",
                Unit.BYTES);
        Gauge size = new Gauge("virtchain_image_directory_size_bytes",
                "Size of the file system of a directory holding managed images", Unit.BYTES);
        s.directories().forEach((dir, d) -> {
            free.add(d.free(), "directory", dir);
            size.add(d.size(), "directory", dir);
        });
        out.add(free.snapshot());
        out.add(size.snapshot());
        Gauge margin = new Gauge("virtchain_min_free_space_bytes",
                "The free space an operation must leave (min-free-space); operations that would leave less are"
                        + " refused", Unit.BYTES);
        margin.add(sources.minFreeSpaceBytes());
        out.add(margin.snapshot());
        Gauge sampled = new Gauge("virtchain_image_space_sample_timestamp_seconds",
                "When image sizes and free space were last sampled", Unit.SECONDS);
        if (s.at() != null) {
            sampled.add(seconds(s.at()));
        }
        out.add(sampled.snapshot());
    }

    private static java.util.Optional<Instant> newestOf(List<Snapshot> snapshots, Instant none) {
        Instant t = none;
        for (Snapshot s : snapshots) {
            if (t == null || s.created().isAfter(t)) {
                t = s.created();
            }
        }
        return java.util.Optional.ofNullable(t);
    }

    private static double seconds(Instant t) {
        return t.getEpochSecond() + t.getNano() / 1e9;
    }

    /** A gauge family being filled. */
    private static final class Gauge {
        private final GaugeSnapshot.Builder b;

        Gauge(String name, String help, Unit unit) {
            b = GaugeSnapshot.builder().name(name).help(help);
            if (unit != null) {
                b.unit(unit);
            }
        }

        void add(double value, String... labels) {
            b.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(value).labels(Labels.of(labels)).build());
        }

        MetricSnapshot snapshot() {
            return b.build();
        }
    }

    /** A counter family being filled; the exposition adds {@code _total}. */
    private static final class Counter {
        private final CounterSnapshot.Builder b;

        Counter(String name, String help, Unit unit) {
            b = CounterSnapshot.builder().name(name).help(help);
            if (unit != null) {
                b.unit(unit);
            }
        }

        void add(double value, String... labels) {
            b.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value(value).labels(Labels.of(labels))
                    .build());
        }

        MetricSnapshot snapshot() {
            return b.build();
        }
    }
}
