package dev.virtchain.bench.live;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Benchmark 6: the daemon's resident memory on a host with no domains and with
 * {@value #DOMAINS} domains to manage (libvirt's test driver; the daemon adopts them all at
 * start), and the wall time of {@code virtchain status} beside {@code virsh list}'s, measured with
 * hyperfine when it is installed and with a loop of alternating runs otherwise.
 */
public final class Footprint {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final long MIB = 1L << 20;
    static final int DOMAINS = 100;
    static final int RUNS = 30;
    /** How long the daemon idles before its memory is read. */
    private static final long SETTLE_MILLIS = 5_000;

    private Footprint() {
    }

    public static ObjectNode run(LiveHost host) throws InterruptedException {
        ObjectNode out = JSON.objectNode();
        Path dir = host.newDirectory("footprint");

        Path empty = dir.resolve("empty-node.xml");
        new TestNode(0, 2, 5, dir.resolve("images")).writeNode(empty);
        try (Virtchaind d = Virtchaind.start(host.root(), dir.resolve("empty"), TestNode.uri(empty))) {
            d.awaitReady(60_000, 20);
            Thread.sleep(SETTLE_MILLIS);
            out.put("rssNoDomainsBytes", d.rss());
        }

        // Generated ledgers, as in benchmark 7: what the daemon of a host that has run a while loads.
        Path node = dir.resolve("node.xml");
        TestNode hundred = new TestNode(DOMAINS, 2, 5, dir.resolve("images"));
        hundred.writeNode(node);
        hundred.writeImages();
        hundred.writeLedgers(dir.resolve("hundred").resolve("state"));
        try (Virtchaind d = Virtchaind.start(host.root(), dir.resolve("hundred"), TestNode.uri(node))) {
            d.awaitReady(60_000, 20);
            JsonNode domains = d.cli("domains").data();
            if (domains.path("domains").size() != DOMAINS) {
                throw new IllegalStateException("the daemon manages " + domains.path("domains").size() + " of the "
                        + DOMAINS + " domains; its log is virtchaind.log in " + dir.resolve("hundred"));
            }
            Thread.sleep(SETTLE_MILLIS);
            long rss = d.rss();
            out.put("managedDomains", domains.path("domains").size());
            out.put("rssManagedBytes", rss);
            out.put("peakRssManagedBytes", d.peakRss());
            host.progress().say(String.format("  6: RSS %.0f MiB with no domains, %.0f MiB with %d managed (peak %.0f MiB)",
                    out.get("rssNoDomainsBytes").asLong() / (double) MIB, rss / (double) MIB,
                    domains.path("domains").size(), d.peakRss() / (double) MIB));

            List<String> status = new ArrayList<>(d.cliArgv("status"));
            status.remove("--json");
            List<String> virshList = Virsh.argv(List.of("list"));
            ObjectNode cli = hasHyperfine() ? hyperfine(dir, status, virshList) : loop(status, virshList);
            out.set("cli", cli);
            host.progress().say(String.format("  6: median virtchain status %.0f ms, virsh list %.0f ms, JVM start alone"
                            + " %.0f ms (%s)", cli.get("statusMedianMs").asDouble(), cli.get("virshListMedianMs").asDouble(),
                    cli.get("jvmStartMedianMs").asDouble(), cli.get("tool").asText()));
        }
        long worstRss = Math.max(out.get("rssNoDomainsBytes").asLong(), out.get("rssManagedBytes").asLong());
        out.put("rssTarget", "daemon RSS <= 128 MiB");
        out.put("rssMet", worstRss <= 128 * MIB);
        out.put("cliTarget", "median virtchain status <= 60 ms");
        out.put("cliMet", out.get("cli").get("statusMedianMs").asDouble() <= 60);
        return out;
    }

    private static boolean hasHyperfine() {
        try {
            return Command.runAllowingFailure(List.of("hyperfine", "--version")).exit() == 0;
        } catch (UncheckedIOException e) {
            return false;
        }
    }

    /**
     * The floor any Java CLI stands on: the JVM started with bin/virtchain's flags and its default
     * class-data archive, running nothing ({@code -version}).
     */
    private static List<String> jvmStart() {
        String home = System.getenv("JAVA_HOME");
        String java = home != null && Files.isExecutable(Path.of(home, "bin", "java")) ? home + "/bin/java" : "java";
        return List.of(java, "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-Xshare:auto", "-version");
    }

    private static ObjectNode hyperfine(Path dir, List<String> status, List<String> virshList) {
        Path export = dir.resolve("hyperfine.json");
        Command.run(List.of("hyperfine", "-N", "--warmup", "3", "--runs", Integer.toString(RUNS), "--export-json",
                export.toString(), String.join(" ", status), String.join(" ", virshList), String.join(" ", jvmStart())));
        try {
            JsonNode results = MAPPER.readTree(export.toFile()).path("results");
            ObjectNode out = JSON.objectNode();
            out.put("tool", "hyperfine, " + RUNS + " runs each after 3 warm-ups");
            out.put("statusMedianMs", Stats.round(results.get(0).path("median").asDouble() * 1000, 1));
            out.put("statusMeanMs", Stats.round(results.get(0).path("mean").asDouble() * 1000, 1));
            out.put("virshListMedianMs", Stats.round(results.get(1).path("median").asDouble() * 1000, 1));
            out.put("virshListMeanMs", Stats.round(results.get(1).path("mean").asDouble() * 1000, 1));
            out.put("jvmStartMedianMs", Stats.round(results.get(2).path("median").asDouble() * 1000, 1));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read hyperfine's results " + export, e);
        }
    }

    private static ObjectNode loop(List<String> status, List<String> virshList) {
        for (int i = 0; i < 3; i++) {
            Command.run(status);
            Command.run(virshList);
        }
        List<Double> s = new ArrayList<>();
        List<Double> v = new ArrayList<>();
        List<Double> j = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
            s.add(Command.run(status).millis());
            v.add(Command.run(virshList).millis());
            j.add(Command.run(jvmStart()).millis());
        }
        ObjectNode out = JSON.objectNode();
        out.put("tool", "a loop of " + RUNS + " alternating runs after 3 warm-ups (hyperfine is not installed)");
        out.put("statusMedianMs", Stats.round(Stats.median(s), 1));
        out.put("virshListMedianMs", Stats.round(Stats.median(v), 1));
        out.put("jvmStartMedianMs", Stats.round(Stats.median(j), 1));
        return out;
    }
}
