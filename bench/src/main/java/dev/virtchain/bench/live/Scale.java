package dev.virtchain.bench.live;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.plan.AllocationFacts;
import dev.virtchain.model.plan.DomainState;
import dev.virtchain.model.plan.HostCapabilities;
import dev.virtchain.model.plan.Intent;
import dev.virtchain.model.plan.ObservedChains;
import dev.virtchain.model.plan.Oracles;
import dev.virtchain.model.plan.Plan;
import dev.virtchain.model.plan.Planner;
import dev.virtchain.model.plan.Situation;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Benchmark 7: daemon start-up with {@value #DOMAINS} known domains of {@value #DISKS} disks and
 * {@value #DEPTH}-deep ledgers (libvirt's test driver and generated ledger files), from exec to
 * the control socket answering and to the phase READY=1 is sent in; and the planner's time for
 * a 500-deep prune, in this JVM, with facts that cost nothing to look up.
 */
public final class Scale {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final long MIB = 1L << 20;
    static final int DOMAINS = 1000;
    static final int DISKS = 2;
    static final int DEPTH = 20;
    private static final int WARMUP = 15;
    private static final int RUNS = 41;

    private Scale() {
    }

    public static ObjectNode run(LiveHost host) throws InterruptedException {
        ObjectNode out = JSON.objectNode();
        Path dir = host.newDirectory("scale");
        TestNode nodes = new TestNode(DOMAINS, DISKS, DEPTH, dir.resolve("images"));
        Path node = dir.resolve("node.xml");
        nodes.writeNode(node);
        long t0 = System.nanoTime();
        int files = nodes.writeImages();
        host.progress().say(String.format("  7: wrote %d image files in %.1f s", files, (System.nanoTime() - t0) / 1e9));
        Path daemonDir = dir.resolve("daemon");
        nodes.writeLedgers(daemonDir.resolve("state"));
        // What libvirtd alone takes to open this node and list it: part of every client's start.
        // One run varies by a third from the next on two cores: the median of three is the baseline.
        List<Double> lists = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            lists.add(Command.run(List.of("virsh", "-c", TestNode.uri(node), "list", "--all", "--name")).seconds());
        }
        ArrayNode listRuns = out.putArray("virshListRunsSeconds");
        lists.forEach(x -> listRuns.add(Stats.round(x, 3)));
        out.put("domains", DOMAINS);
        out.put("disksPerDomain", DISKS);
        out.put("ledgerDepth", DEPTH);
        out.put("virshListOfThisNodeSeconds", Stats.round(Stats.median(lists), 3));
        int metricsPort = freePort();
        try (Virtchaind d = Virtchaind.start(host.root(), daemonDir, TestNode.uri(node), metricsPort)) {
            Virtchaind.Readiness r = d.awaitReady(120_000, 10);
            out.put("socketAnswersSeconds", Stats.round(r.socketNanos() / 1e9, 3));
            out.put("readySeconds", Stats.round(r.readyNanos() / 1e9, 3));
            // Ready means commands are served; the domains are still being checked against their
            // ledgers. A command about the domain the check reaches last checks that one first.
            String last = nodes.name(DOMAINS - 1);
            Virtchaind.CliResult first = d.request("snapshot-list", JSON.objectNode().put("domain", last));
            out.put("firstCommandMs", Stats.round(first.millis(), 1));
            out.put("firstCommandDomain", last);
            out.put("uncheckedAfterFirstCommand", d.uncheckedDomains());
            out.put("allCheckedSeconds", Stats.round(d.awaitChecked(120_000, 10), 3));
            // Where the time goes, from the daemon's log: until "starting" it connects to libvirt and
            // loads every ledger; the socket opens; recovery then checks every domain for drift.
            ObjectNode phases = out.putObject("phasesFromLogSeconds");
            phases.put("connectedAndLedgersLoaded", Stats.round(d.secondsToLogLine("starting (pid"), 3));
            phases.put("socketListening", Stats.round(d.secondsToLogLine("control socket listening"), 3));
            phases.put("recoveryDone", Stats.round(d.secondsToLogLine("recovery:"), 3));
            phases.put("allChecked", Stats.round(d.secondsToLogLine("every domain checked against its ledger"), 3));
            phases.put("ready", Stats.round(d.secondsToLogLine("virtchaind ready"), 3));
            out.put("rssAtReadyBytes", d.rss());
            out.put("knownDomains", d.cli("domains").data().path("domains").size());
            out.set("metrics", scrapeTiming(d, metricsPort));
            host.progress().say(String.format("  7: /metrics with %d domains: median %.1f ms, %d bytes, RSS after %.0f MiB",
                    DOMAINS, out.path("metrics").path("medianMs").asDouble(), out.path("metrics").path("bytes").asLong(),
                    out.path("metrics").path("rssAfterBytes").asLong() / (double) MIB));
            host.progress().say(String.format("  7: %d domains: socket answers after %.2f s, ready after %.2f s, RSS %.0f MiB",
                    DOMAINS, r.socketNanos() / 1e9, r.readyNanos() / 1e9, d.rss() / (double) MIB));
        }
        out.put("scrapeTarget", "a /metrics scrape with 1000 managed domains <= 100 ms (median), RSS <= 128 MiB");
        out.put("scrapeMet", out.path("metrics").path("medianMs").asDouble() <= 100
                && out.path("metrics").path("rssAfterBytes").asLong() <= 128 * MIB);
        out.put("startTarget", "ready <= 1.5 x virsh list of the same node");
        out.put("startMet", out.get("readySeconds").asDouble() <= 1.5 * out.get("virshListOfThisNodeSeconds").asDouble());

        ObjectNode planner = plannerTiming(host);
        out.set("planner", planner);
        out.put("plannerTarget", "planning a 500-deep prune <= 50 ms (median, every case)");
        out.put("plannerMet", planner.get("worstMedianMs").asDouble() <= 50);
        return out;
    }

    /** Scrapes the daemon's /metrics as Prometheus would: a few to warm up, then timed ones. */
    private static ObjectNode scrapeTiming(Virtchaind d, int port) {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.net.URI uri = java.net.URI.create("http://127.0.0.1:" + port + "/metrics");
        List<Double> ms = new ArrayList<>();
        long bytes = 0;
        String domainsLine = "";
        try {
            for (int i = 0; i < WARMUP + RUNS; i++) {
                long t0 = System.nanoTime();
                var r = http.send(java.net.http.HttpRequest.newBuilder(uri).GET().build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                double took = (System.nanoTime() - t0) / 1e6;
                if (r.statusCode() != 200) {
                    throw new IllegalStateException(uri + " answered " + r.statusCode());
                }
                if (i >= WARMUP) {
                    ms.add(took);
                }
                bytes = r.body().length();
                domainsLine = r.body().lines().filter(l -> l.startsWith("virtchain_domains_managed ")).findFirst()
                        .orElse("");
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot scrape " + uri, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        ObjectNode out = JSON.objectNode();
        out.put("scrapes", RUNS);
        out.put("medianMs", Stats.round(Stats.median(ms), 2));
        out.put("p90Ms", Stats.round(Stats.percentile(ms, 90), 2));
        out.put("maxMs", Stats.round(Stats.percentile(ms, 100), 2));
        out.put("bytes", bytes);
        out.put("managedDomainsReported", domainsLine);
        out.put("rssAfterBytes", d.rss());
        return out;
    }

    private static int freePort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static ObjectNode plannerTiming(LiveHost host) {
        Ledger ledger = Oracles.deepChain();
        AllocationFacts facts = Oracles.deepChainFacts();
        int depth = Oracles.deepChainDepth();
        Planner planner = new Planner(Clock.fixed(Instant.parse("2026-02-01T00:00:00Z"), ZoneOffset.UTC),
                HostCapabilities.DEFAULT);
        Set<String> everyOther = new HashSet<>();
        Set<String> allButLast24 = new HashSet<>();
        for (int i = 0; i < depth; i++) {
            if (i % 2 == 0) {
                everyOther.add("S" + i);
            }
            if (i < depth - 24) {
                allButLast24.add("S" + i);
            }
        }
        ArrayNode cases = JSON.arrayNode();
        double worst = 0;
        for (DomainState state : DomainState.values()) {
            Situation s = new Situation(ledger, ObservedChains.of(ledger), facts, state);
            worst = Math.max(worst, time(cases, "delete every other snapshot (" + everyOther.size() + "), "
                    + state.name().toLowerCase().replace('_', ' '), planner, new Intent.Delete(everyOther), s));
            worst = Math.max(worst, time(cases, "delete all but the newest 24 (" + allButLast24.size() + "), "
                    + state.name().toLowerCase().replace('_', ' '), planner, new Intent.Delete(allButLast24), s));
        }
        host.progress().say(String.format("  7: planning a %d-deep prune: worst median %.1f ms", depth, worst));
        ObjectNode out = JSON.objectNode();
        out.put("chainDepth", depth);
        out.put("runs", RUNS);
        out.put("warmups", WARMUP);
        out.set("cases", cases);
        out.put("worstMedianMs", Stats.round(worst, 2));
        return out;
    }

    private static double time(ArrayNode cases, String name, Planner planner, Intent intent, Situation s) {
        Plan plan = null;
        for (int i = 0; i < WARMUP; i++) {
            plan = planner.plan(intent, s);
        }
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
            long t0 = System.nanoTime();
            plan = planner.plan(intent, s);
            ms.add((System.nanoTime() - t0) / 1e6);
        }
        double median = Stats.median(ms);
        ObjectNode c = cases.addObject();
        c.put("case", name);
        c.put("medianMs", Stats.round(median, 2));
        c.put("p90Ms", Stats.round(Stats.percentile(ms, 90), 2));
        c.put("maxMs", Stats.round(Stats.percentile(ms, 100), 2));
        c.put("steps", plan.steps().size());
        c.put("plannedBytes", plan.estimatedBytes());
        return median;
    }
}
