package dev.virtchain.daemon.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtchain.daemon.RecoverySummary;
import dev.virtchain.daemon.config.CronSchedule;
import dev.virtchain.daemon.config.DomainPattern;
import dev.virtchain.daemon.config.Policy;
import dev.virtchain.daemon.config.Quiesce;
import dev.virtchain.daemon.config.Retention;
import dev.virtchain.daemon.exec.OperationRunner;
import dev.virtchain.daemon.exec.OperationTally;
import dev.virtchain.daemon.schedule.Assignment;
import dev.virtchain.daemon.schedule.PolicySchedule;
import dev.virtchain.model.Consistency;
import dev.virtchain.model.Disk;
import dev.virtchain.model.DomainId;
import dev.virtchain.model.Image;
import dev.virtchain.model.ImageFormat;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.Origin;
import dev.virtchain.model.Snapshot;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Every metric family from a known daemon state: the values are read back from the text the
 * client library writes, and Prometheus's own linter passes the whole exposition.
 */
class DaemonMetricsTest {
    private static final String DIR = "/var/lib/libvirt/images/";
    private static final Instant T1 = Instant.parse("2025-05-30T02:00:00Z");
    private static final Instant T2 = Instant.parse("2025-05-31T02:00:00Z");
    private static final Instant T3 = Instant.parse("2025-05-31T07:30:00Z");

    static Ledger web1() {
        Disk vda = new Disk("vda", List.of(Image.base(DIR + "web1.qcow2", ImageFormat.QCOW2),
                Image.overlay(DIR + "web1.qcow2.1", DIR + "web1.qcow2"),
                Image.overlay(DIR + "web1.qcow2.2", DIR + "web1.qcow2.1"),
                Image.overlay(DIR + "web1.qcow2.3", DIR + "web1.qcow2.2")), DIR + "web1.qcow2.3");
        Disk vdb = new Disk("vdb", List.of(Image.base(DIR + "web1-data.raw", ImageFormat.RAW)), DIR + "web1-data.raw");
        Ledger l = Ledger.of(new DomainId("web1", "6f1c5a6e-0000-4000-8000-000000000001"), List.of(vda, vdb));
        l = l.withSnapshot(Snapshot.of("nightly-1", T1, null, Map.of("vda", DIR + "web1.qcow2"),
                Consistency.QUIESCED, Origin.policy("nightly"), null));
        l = l.withSnapshot(Snapshot.of("nightly-2", T2, "nightly-1", Map.of("vda", DIR + "web1.qcow2.1"),
                Consistency.QUIESCED, Origin.policy("nightly"), null));
        l = l.withSnapshot(Snapshot.of("experiment", T3, "nightly-2", Map.of("vda", DIR + "web1.qcow2.2"),
                Consistency.CRASH, Origin.manual(), null));
        return l;
    }

    static Ledger db1() {
        Disk vda = new Disk("vda", List.of(Image.base(DIR + "db1.qcow2", ImageFormat.QCOW2)), DIR + "db1.qcow2");
        return Ledger.of(new DomainId("db1", "6f1c5a6e-0000-4000-8000-000000000002"), List.of(vda));
    }

    static Policy nightly() throws Exception {
        return new Policy("nightly", new DomainPattern("*"), CronSchedule.parse("30 2 * * *"), Quiesce.AUTO,
                new Retention(3, 0, 7, 4, 0, 0), 16);
    }

    /** A fixed daemon state: web1 and db1 managed; "gone" has an assignment but no ledger; "other" is not managed. */
    static class Fixed implements MetricSources {
        final List<Ledger> ledgers = new ArrayList<>(List.of(web1(), db1()));
        final OperationTally tally = new OperationTally();
        List<PolicySchedule.AssignmentRuns> assignments;
        Map<String, String> drift = Map.of("db1", "disk vda shows [...] but the ledger has [...]");

        Fixed() throws Exception {
            Policy p = nightly();
            assignments = List.of(
                    new PolicySchedule.AssignmentRuns(new Assignment(p, "web1"), T2.plusSeconds(60), T1, false),
                    new PolicySchedule.AssignmentRuns(new Assignment(p, "db1"), null, null, false),
                    new PolicySchedule.AssignmentRuns(new Assignment(p, "gone"), T2, null, false));
            tally.operation("delete", OperationTally.Result.SUCCEEDED);
            tally.operation("delete", OperationTally.Result.SUCCEEDED);
            tally.operation("create", OperationTally.Result.FAILED);
            tally.operation("create", OperationTally.Result.REFUSED);
            tally.planned("commit", 100L << 20);
            tally.planned("pull", 8L << 20);
            tally.copied("commit", 96L << 20);
            tally.quiesceFellBack("web1");
            tally.quiesceFellBack("other");
        }

        @Override
        public BuildInfo build() {
            return new BuildInfo("0.1.0", "9.0.0", "7.2.0");
        }

        @Override
        public Collection<Ledger> managedLedgers() {
            return ledgers;
        }

        @Override
        public List<PolicySchedule.AssignmentRuns> assignments() {
            return assignments;
        }

        @Override
        public Map<PolicySchedule.RunCount, Long> policyRuns() {
            return Map.of(new PolicySchedule.RunCount("nightly", "succeeded"), 5L,
                    new PolicySchedule.RunCount("nightly", "failed"), 1L);
        }

        @Override
        public List<OperationRunner.Active> activeOperations() {
            return List.of(new OperationRunner.Active("op-1", "web1", "delete snapshots nightly-1", 2, 4, "commit vda",
                    50L << 20, 100L << 20, T3), new OperationRunner.Active("op-2", "db1", "create snapshot x", 1, 3,
                    "start", 0, 0, T3));
        }

        @Override
        public OperationTally tally() {
            return tally;
        }

        @Override
        public Optional<RecoverySummary> recovery() {
            return Optional.of(new RecoverySummary(T3, 2, 1, List.of("domain web1: operation op-9 could not be finished")));
        }

        @Override
        public Map<String, String> drift() {
            return drift;
        }

        @Override
        public int uncheckedDomains() {
            return 3;
        }

        @Override
        public int quarantinedLedgers() {
            return 1;
        }

        @Override
        public ImageSpace.Sample space() {
            return new ImageSpace.Sample(T3, Map.of("web1", new ImageSpace.DomainBytes(10L << 20, 300L << 20)),
                    Map.of(DIR.substring(0, DIR.length() - 1), new ImageSpace.DirectorySpace(5L << 30, 100L << 30)));
        }

        @Override
        public long minFreeSpaceBytes() {
            return 1L << 30;
        }
    }

    @Test
    void everyMetricFromAKnownState() throws Exception {
        String text = Exposition.text(new DaemonMetrics(new Fixed()).collect());
        Map<String, Double> s = Exposition.samples(text);

        assertEquals(1.0, s.get("virtchain_build_info{libvirt_version=\"9.0.0\",qemu_version=\"7.2.0\",version=\"0.1.0\"}"), text);
        assertEquals(2.0, s.get("virtchain_domains_managed"));
        assertEquals(3.0, s.get("virtchain_domain_snapshots{domain=\"web1\"}"));
        assertEquals(0.0, s.get("virtchain_domain_snapshots{domain=\"db1\"}"));
        assertEquals((double) T3.getEpochSecond(), s.get("virtchain_domain_newest_snapshot_timestamp_seconds{domain=\"web1\"}"));
        assertFalse(s.containsKey("virtchain_domain_newest_snapshot_timestamp_seconds{domain=\"db1\"}"), "no snapshot, no time");
        assertEquals(4.0, s.get("virtchain_disk_chain_depth{disk=\"vda\",domain=\"web1\"}"));
        assertEquals(1.0, s.get("virtchain_disk_chain_depth{disk=\"vdb\",domain=\"web1\"}"));
        assertEquals(1.0, s.get("virtchain_domain_drift{domain=\"db1\"}"));
        assertFalse(s.containsKey("virtchain_domain_drift{domain=\"web1\"}"));
        assertEquals((double) (10L << 20), s.get("virtchain_domain_image_bytes{domain=\"web1\",kind=\"active\"}"));
        assertEquals((double) (300L << 20), s.get("virtchain_domain_image_bytes{domain=\"web1\",kind=\"snapshots\"}"));
        assertEquals(1.0, s.get("virtchain_snapshot_quiesce_fallbacks_total{domain=\"web1\"}"));
        assertFalse(text.contains("\"other\""), "a domain that is not managed is not counted:\n" + text);

        String web1 = "{domain=\"web1\",policy=\"nightly\"}";
        assertEquals(2.0, s.get("virtchain_policy_snapshots" + web1), "the manual snapshot is not the policy's");
        assertEquals((double) T2.getEpochSecond(), s.get("virtchain_policy_newest_snapshot_timestamp_seconds" + web1));
        assertEquals(86400.0, s.get("virtchain_policy_interval_seconds" + web1));
        assertEquals(14.0, s.get("virtchain_policy_retention_snapshots" + web1));
        assertEquals(16.0, s.get("virtchain_policy_max_chain_depth" + web1));
        assertEquals((double) T2.plusSeconds(60).getEpochSecond(), s.get("virtchain_policy_last_success_timestamp_seconds" + web1));
        assertEquals((double) T1.getEpochSecond(), s.get("virtchain_policy_last_failure_timestamp_seconds" + web1));
        assertEquals(0.0, s.get("virtchain_policy_snapshots{domain=\"db1\",policy=\"nightly\"}"));
        assertFalse(s.containsKey("virtchain_policy_last_success_timestamp_seconds{domain=\"db1\",policy=\"nightly\"}"));
        assertFalse(text.contains("\"gone\""), "an assignment without a managed ledger is not counted:\n" + text);
        assertEquals(5.0, s.get("virtchain_policy_runs_total{policy=\"nightly\",result=\"succeeded\"}"));
        assertEquals(1.0, s.get("virtchain_policy_runs_total{policy=\"nightly\",result=\"failed\"}"));

        assertEquals(2.0, s.get("virtchain_operations_total{kind=\"delete\",result=\"succeeded\"}"));
        assertEquals(1.0, s.get("virtchain_operations_total{kind=\"create\",result=\"failed\"}"));
        assertEquals(1.0, s.get("virtchain_operations_total{kind=\"create\",result=\"refused\"}"));
        assertEquals((double) (100L << 20), s.get("virtchain_merge_planned_bytes_total{kind=\"commit\"}"));
        assertEquals((double) (8L << 20), s.get("virtchain_merge_planned_bytes_total{kind=\"pull\"}"));
        assertEquals((double) (96L << 20), s.get("virtchain_merge_copied_bytes_total{kind=\"commit\"}"));
        assertEquals(2.0, s.get("virtchain_operations_running"));
        assertEquals(1.0, s.get("virtchain_block_jobs_running"), "the operation that is only starting runs no block job");
        assertEquals((double) (50L << 20), s.get("virtchain_operation_progress_done_bytes{domain=\"web1\",kind=\"commit\"}"));
        assertEquals((double) (100L << 20), s.get("virtchain_operation_progress_total_bytes{domain=\"web1\",kind=\"commit\"}"));

        assertEquals(2.0, s.get("virtchain_recovery_operations{result=\"completed\"}"));
        assertEquals(1.0, s.get("virtchain_recovery_operations{result=\"rolled_back\"}"));
        assertEquals(1.0, s.get("virtchain_recovery_operations{result=\"unresolved\"}"));
        assertEquals((double) T3.getEpochSecond(), s.get("virtchain_recovery_finished_timestamp_seconds"));
        assertEquals(1.0, s.get("virtchain_ledgers_quarantined"));
        assertEquals(3.0, s.get("virtchain_domains_unchecked"));

        String dir = "{directory=\"/var/lib/libvirt/images\"}";
        assertEquals((double) (5L << 30), s.get("virtchain_image_directory_free_bytes" + dir));
        assertEquals((double) (100L << 30), s.get("virtchain_image_directory_size_bytes" + dir));
        assertEquals((double) (1L << 30), s.get("virtchain_min_free_space_bytes"));
        assertEquals((double) T3.getEpochSecond(), s.get("virtchain_image_space_sample_timestamp_seconds"));

        Exposition.assertPromtoolAccepts(text);
    }

    @Test
    void everyFamilyHasHelpAndAType() throws Exception {
        String text = Exposition.text(new DaemonMetrics(new Fixed()).collect());
        for (String line : text.split("\n")) {
            if (!line.startsWith("#")) {
                String name = line.split("[{ ]", 2)[0];
                String family = name.replaceFirst("_(total|info)$", "");
                assertTrue(text.contains("# HELP " + family) || text.contains("# HELP " + name), "no HELP for " + name);
                assertTrue(text.contains("# TYPE " + family) || text.contains("# TYPE " + name), "no TYPE for " + name);
            }
        }
    }

    @Test
    void beforeRecoveryWithoutSamplesAndWithoutDomainsEmptyFamiliesAreLeftOut() throws Exception {
        Fixed state = new Fixed() {
            @Override
            public Optional<RecoverySummary> recovery() {
                return Optional.empty();
            }

            @Override
            public ImageSpace.Sample space() {
                return ImageSpace.Sample.NONE;
            }
        };
        state.ledgers.clear();
        String text = Exposition.text(new DaemonMetrics(state).collect());
        Map<String, Double> s = Exposition.samples(text);
        assertEquals(0.0, s.get("virtchain_domains_managed"));
        assertFalse(text.contains("virtchain_recovery_operations{"), text);
        assertFalse(text.contains("virtchain_domain_snapshots{"), text);
        assertFalse(text.contains("virtchain_image_directory_free_bytes"), text);
        Exposition.assertPromtoolAccepts(text);
    }
}
