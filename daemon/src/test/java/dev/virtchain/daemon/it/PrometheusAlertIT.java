package dev.virtchain.daemon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtchain.testing.TestDomain;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The shipped alert rules on a real Prometheus (Debian's, started here on loopback with its own
 * configuration and storage, stopped by its pid) scraping a real virtchaind every second: a
 * policy on a two-second schedule keeps a throwaway domain fresh, then its runs start failing
 * (the policy is set to quiesce a shut-off domain, which libvirt cannot do), no snapshot follows,
 * and Prometheus's own API shows the freshness alert going pending. The daemon manages only the
 * test's domain ({@code manage = match}), so the other domains of the shared libvirtd are neither
 * touched nor counted.
 */
@Timeout(180)
class PrometheusAlertIT {
    private static final Path RULES = DaemonProcess.ROOT.resolve("docs/monitoring/virtchain-rules.yml");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Path home;
    private DaemonProcess daemon;
    private TestDomain dom;
    private Process prometheus;

    @AfterEach
    void cleanUp() {
        try {
            if (prometheus != null) {
                prometheus.destroy(); // SIGTERM to its own pid
                try {
                    if (!prometheus.waitFor(30, TimeUnit.SECONDS)) {
                        prometheus.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (daemon != null) {
                daemon.close();
            }
        } finally {
            try {
                if (dom != null) {
                    dom.close();
                }
            } finally {
                CrashMatrixIT.deleteTree(home);
            }
        }
    }

    @Test
    void theFreshnessAlertGoesPendingWhenThePolicyStopsTakingSnapshots() throws Exception {
        dom = TestDomain.builder().running(false).create();
        home = Files.createTempDirectory(TestDomain.workRoot(), "vcd-prom-");
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
        int metricsPort = freePort();
        daemon = DaemonProcess.startReady(home, "[daemon]\nmin-free-space = 0\nmetrics-listen = 127.0.0.1:" + metricsPort
                + "\nmanage = match\nmanage-match = " + dom.name() + "\n");
        daemon.require("policy-set", DaemonProcess.args().put("domain", dom.name()).put("schedule", "*/2 * * * * ?")
                .put("quiesce", "no").put("keep-last", 3));

        // The endpoint serves /metrics and nothing else.
        assertEquals(404, get("http://127.0.0.1:" + metricsPort + "/").statusCode());
        assertEquals(404, get("http://127.0.0.1:" + metricsPort + "/-/healthy").statusCode());
        assertEquals(200, get("http://127.0.0.1:" + metricsPort + "/metrics").statusCode());

        int webPort = freePort();
        prometheus = startPrometheus(metricsPort, webPort);
        String api = "http://127.0.0.1:" + webPort + "/api/v1/";

        // Fresh: Prometheus has scraped a policy snapshot, the schedule's interval, and one managed domain.
        String newest = "virtchain_policy_newest_snapshot_timestamp_seconds{domain=\"" + dom.name()
                + "\",policy=\"metadata\"}";
        JsonNode fresh = await(api, "query?query=" + enc(newest), r -> r.path("data").path("result").size() == 1,
                Duration.ofSeconds(60), "a policy snapshot scraped");
        double firstSnapshot = fresh.path("data").path("result").get(0).path("value").get(1).asDouble();
        JsonNode interval = query(api, "virtchain_policy_interval_seconds{domain=\"" + dom.name() + "\"}");
        assertEquals(2.0, interval.path("data").path("result").get(0).path("value").get(1).asDouble(), interval.toString());
        JsonNode managed = query(api, "virtchain_domains_managed");
        assertEquals(1.0, managed.path("data").path("result").get(0).path("value").get(1).asDouble(),
                "only the test's domain is managed: " + managed);
        JsonNode others = query(api, "count(virtchain_domain_snapshots{domain!=\"" + dom.name() + "\"})");
        assertEquals(0, others.path("data").path("result").size(), "other domains are not counted: " + others);
        assertTrue(alerts(api).stream().noneMatch(a -> a.path("labels").path("alertname").asText()
                .equals("VirtchainSnapshotsStale")), "no stale alert while the policy keeps the domain fresh");

        // The policy keeps firing but takes nothing: quiescing a shut-off domain is refused.
        daemon.require("policy-set", DaemonProcess.args().put("domain", dom.name()).put("schedule", "*/2 * * * * ?")
                .put("quiesce", "yes").put("keep-last", 3));
        Instant stopped = Instant.now();

        JsonNode stale = await(api, "alerts", r -> staleAlert(r).isPresent(), Duration.ofSeconds(60),
                "the VirtchainSnapshotsStale alert for " + dom.name());
        JsonNode alert = staleAlert(stale).orElseThrow();
        assertTrue(List.of("pending", "firing").contains(alert.path("state").asText()), alert.toString());
        assertEquals("warning", alert.path("labels").path("severity").asText());
        assertEquals("metadata", alert.path("labels").path("policy").asText());
        // The failing runs show too, and the newest snapshot is older than when the policy stopped.
        await(api, "query?query=" + enc("virtchain_policy_runs_total{result=\"failed\",policy=\"metadata\"}"),
                r -> r.path("data").path("result").size() == 1, Duration.ofSeconds(30), "failed runs counted");
        double last = query(api, newest).path("data").path("result").get(0).path("value").get(1).asDouble();
        assertTrue(last >= firstSnapshot && last <= stopped.getEpochSecond() + 1, "newest snapshot at " + last
                + ", the policy stopped at " + stopped);
    }

    private static Optional<JsonNode> staleAlert(JsonNode alertsReply) {
        for (JsonNode a : alertsReply.path("data").path("alerts")) {
            if (a.path("labels").path("alertname").asText().equals("VirtchainSnapshotsStale")) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    private List<JsonNode> alerts(String api) throws Exception {
        List<JsonNode> out = new java.util.ArrayList<>();
        getJson(api + "alerts").path("data").path("alerts").forEach(out::add);
        return out;
    }

    private Process startPrometheus(int metricsPort, int webPort) throws IOException {
        Path dir = home.resolve("prometheus");
        Files.createDirectories(dir.resolve("data"));
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, String.join("\n",
                "global:",
                "  scrape_interval: 1s",
                "  evaluation_interval: 1s",
                "rule_files:",
                "  - " + RULES,
                "scrape_configs:",
                "  - job_name: virtchain",
                "    static_configs:",
                "      - targets: ['127.0.0.1:" + metricsPort + "']",
                ""));
        Process p = new ProcessBuilder(List.of("prometheus", "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + webPort))
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        return p;
    }

    private JsonNode await(String api, String path, Predicate<JsonNode> done, Duration timeout, String what)
            throws Exception {
        Instant deadline = Instant.now().plus(timeout);
        String last = "no answer";
        while (Instant.now().isBefore(deadline)) {
            if (!prometheus.isAlive()) {
                throw new AssertionError("prometheus exited with " + prometheus.exitValue() + ": " + prometheusLog());
            }
            try {
                JsonNode r = getJson(api + path);
                if (done.test(r)) {
                    return r;
                }
                last = r.toString();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(500);
        }
        throw new AssertionError("no " + what + " within " + timeout + "; Prometheus last said " + last
                + "\ndaemon's warnings and errors:\n" + daemon.output().lines().filter(l -> l.contains(" WARN ")
                        || l.contains(" ERROR ")).limit(20).collect(java.util.stream.Collectors.joining("\n"))
                + "\ndaemon log ends:\n" + daemon.tail() + "\nprometheus log:\n" + prometheusLog());
    }

    private JsonNode query(String api, String promql) throws Exception {
        return getJson(api + "query?query=" + enc(promql));
    }

    private static JsonNode getJson(String url) throws IOException, InterruptedException {
        HttpResponse<String> r = get(url);
        if (r.statusCode() != 200) {
            throw new IOException(url + " answered " + r.statusCode() + ": " + r.body());
        }
        return DaemonProcess.json().readTree(r.body());
    }

    private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private String prometheusLog() {
        try {
            List<String> lines = Files.readAllLines(home.resolve("prometheus/prometheus.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
