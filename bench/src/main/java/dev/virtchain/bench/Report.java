package dev.virtchain.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Merges a run's {@code part-N.json} files into {@code results.json} (parts not run keep their
 * earlier figures, each with its own date and load) and writes RESULTS.md from it.
 *
 * <pre>java … dev.virtchain.bench.Report RUN-OUT-DIR results.json RESULTS.md</pre>
 */
public final class Report {
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;

    private final StringBuilder md = new StringBuilder();

    private Report() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: Report RUN-OUT-DIR results.json RESULTS.md");
            System.exit(2);
        }
        Path runDir = Path.of(args[0]);
        Path json = Path.of(args[1]);
        Path markdown = Path.of(args[2]);
        ObjectNode results = Files.exists(json) ? (ObjectNode) Bench.JSON.readTree(json.toFile())
                : JsonNodeFactory.instance.objectNode();
        ObjectNode parts = results.has("parts") ? (ObjectNode) results.get("parts") : results.putObject("parts");
        for (int n = 1; n <= 10; n++) {
            Path f = runDir.resolve("part-" + n + ".json");
            if (Files.exists(f)) {
                parts.set(Integer.toString(n), Bench.JSON.readTree(f.toFile()));
            }
        }
        mergeHypervisors(runDir, parts);
        Path machine = runDir.resolve("machine.json");
        if (Files.exists(machine)) {
            results.set("machine", Bench.JSON.readTree(machine.toFile()));
        }
        // Parts in order, whatever order they were merged in.
        ObjectNode sorted = JsonNodeFactory.instance.objectNode();
        Map<Integer, JsonNode> byNumber = new TreeMap<>();
        parts.properties().forEach(e -> byNumber.put(Integer.parseInt(e.getKey()), e.getValue()));
        byNumber.forEach((k, v) -> sorted.set(Integer.toString(k), v));
        results.set("parts", sorted);
        Bench.write(json, results);
        Files.writeString(markdown, new Report().render(results));
    }

    /**
     * Benchmark 9 runs once per hypervisor ({@code part-9-<libvirt version>.json}); a version not
     * run this time keeps its earlier figures. The run table shows the newest run's time and load.
     */
    private static void mergeHypervisors(Path runDir, ObjectNode parts) throws IOException {
        List<Path> files;
        try (var list = Files.list(runDir)) {
            files = list.filter(f -> f.getFileName().toString().matches("part-9-.+\\.json")).sorted().toList();
        }
        if (files.isEmpty()) {
            return;
        }
        ObjectNode nine = parts.has("9") ? (ObjectNode) parts.get("9") : parts.putObject("9");
        ObjectNode byVersion = nine.has("hypervisors") ? (ObjectNode) nine.get("hypervisors")
                : nine.putObject("hypervisors");
        for (Path f : files) {
            JsonNode run = Bench.JSON.readTree(f.toFile());
            byVersion.set(run.path("libvirt").asText(), run);
            for (String field : List.of("startedAt", "wallSeconds", "loadAverageBefore", "loadAverageAfter")) {
                nine.set(field, run.path(field));
            }
        }
    }

    // ------------------------------------------------------------------ rendering

    private String render(JsonNode results) {
        JsonNode parts = results.path("parts");
        JsonNode m = results.path("machine");
        line("# virtchain benchmarks");
        line("");
        line("Written by `bench/run` (see `bench/README.md` for what each benchmark does and how to run one alone).");
        line("Every figure below is measured side by side with its baseline in the same run and given as a ratio.");
        line("");
        line("**Machine:** " + m.path("cpu").asText() + ", " + m.path("cpus").asInt() + " CPUs, "
                + Machine.gib(m.path("memoryBytes").asLong()) + " RAM; " + m.path("os").asText() + ", kernel "
                + m.path("kernel").asText() + "; " + m.path("libvirt").asText() + "; " + m.path("qemu").asText()
                + "; " + m.path("jdk").asText() + "; " + m.path("hyperfine").asText() + ".");
        line("");
        line("**Runs:** each benchmark with the time it started (UTC) and the 1/5/15-minute load average before and"
                + " after it. A load above the CPU count means other work shared the machine and times are"
                + " inflated; byte counts are not affected.");
        line("");
        line("| # | started | took | load before | load after |");
        line("|---|---|---|---|---|");
        parts.properties().forEach(e -> line("| " + e.getKey() + " | " + e.getValue().path("startedAt").asText()
                + " | " + e.getValue().path("wallSeconds").asText() + " s | " + e.getValue().path("loadAverageBefore").asText()
                + " | " + e.getValue().path("loadAverageAfter").asText() + " |"));
        line("");

        List<String> missed = new ArrayList<>();
        List<String[]> summary = new ArrayList<>();
        summarize(parts, missed, summary);
        line("## Targets not met");
        line("");
        if (missed.isEmpty()) {
            line("None" + (parts.size() < 9 ? " among the benchmarks run (" + parts.size() + " of 9)." : "."));
        } else {
            for (String s : missed) {
                line("- " + s);
            }
        }
        line("");
        line("## Summary");
        line("");
        line("| # | measure | virtchain | baseline | ratio | target | met |");
        line("|---|---|---|---|---|---|---|");
        for (String[] row : summary) {
            line("| " + String.join(" | ", row) + " |");
        }
        line("");
        if (parts.has("1")) {
            prune(parts.get("1"));
        }
        if (parts.has("2")) {
            simulator(parts.get("2"));
        }
        if (parts.has("3")) {
            newestDelete(parts.get("3"));
        }
        if (parts.has("4")) {
            create(parts.get("4"));
            if (parts.has("6")) {
                line("For scale: `virtchain status`, which only starts the CLI and asks the daemon one question, has a"
                        + " median of " + ms(parts.get("6").path("cli").path("statusMedianMs")) + " (benchmark 6), and"
                        + " the JVM alone " + ms(parts.get("6").path("cli").path("jvmStartMedianMs")) + ": a Java CLI's"
                        + " start alone is more than 1.5x of virsh's whole command here, before the daemon does"
                        + " anything.");
                line("");
            }
        }
        if (parts.has("5")) {
            merge(parts.get("5"));
        }
        if (parts.has("6")) {
            footprint(parts.get("6"));
        }
        if (parts.has("7")) {
            scale(parts.get("7"));
        }
        if (parts.has("8")) {
            fragmented(parts.get("8"));
        }
        if (parts.has("9")) {
            libvirtVersions(parts.get("9").path("hypervisors"));
        }
        if (parts.has("10")) {
            busySocket(parts.get("10"));
        }
        return md.toString();
    }

    private static void summarize(JsonNode parts, List<String> missed, List<String[]> rows) {
        JsonNode p;
        if ((p = parts.get("1")) != null) {
            JsonNode s = p.path("summary");
            rows.add(row("1", "bytes copied by pruning, virtchain / lower bound (worst of "
                            + p.path("cases").size() + " cases)", "", "", ratio(s.path("worstVirtchainToLowerBound")),
                    "≤ 1.05", s.path("met").asBoolean()));
            JsonNode bs = p.path("branchingSummary");
            if (!bs.isMissingNode()) {
                rows.add(row("1", "bytes copied by pruning branching histories, virtchain / exhaustive lower bound"
                                + " (worst of " + p.path("branching").size() + " cases, "
                                + bs.path("prunesSearched").asInt() + " prunes searched)", "", "",
                        ratio(bs.path("worstSearchedVirtchainToLowerBound")), "1.00", bs.path("met").asBoolean()));
                if (!bs.path("met").asBoolean()) {
                    missed.add("1: pruning branching histories copies " + ratio(bs.path("worstSearchedVirtchainToLowerBound"))
                            + " the exhaustive lower bound in the worst case (target 1.00)");
                }
            }
            rows.add(row("1", "libvirt snapshot-delete / virtchain (bytes)", "", "",
                    ratio(s.path("libvirtToVirtchainMin")) + " – " + ratio(s.path("libvirtToVirtchainMax")), "—", null));
            rows.add(row("1", "Cinder/Nova / virtchain (bytes)", "", "",
                    ratio(s.path("cinderNovaToVirtchainMin")) + " – " + ratio(s.path("cinderNovaToVirtchainMax")), "—",
                    null));
            rows.add(row("1", "one snapshot at a time / one plan per prune (bytes)", "", "",
                    ratio(s.path("oneAtATimeToVirtchainMin")) + " – " + ratio(s.path("oneAtATimeToVirtchainMax")), "—",
                    null));
            if (!s.path("met").asBoolean()) {
                missed.add("1: pruning copies " + ratio(s.path("worstVirtchainToLowerBound"))
                        + " the lower bound in the worst case (target ≤ 1.05)");
            }
        }
        if ((p = parts.get("2")) != null) {
            rows.add(row("2", "simulator's predicted bytes vs QEMU's writes, worst of " + p.path("jobs").size() + " jobs",
                    "", "", String.format(Locale.ROOT, "%+.2f %%", p.path("worstDeviation").asDouble() * 100), "within 5 %",
                    p.path("met").asBoolean()));
            if (!p.path("met").asBoolean()) {
                missed.add(String.format(Locale.ROOT, "2: the simulator is off by up to %.1f %% from QEMU (target 5 %%)",
                        p.path("worstDeviation").asDouble() * 100));
            }
        }
        if ((p = parts.get("3")) != null) {
            rows.add(row("3", "newest-snapshot delete, diverged active layer: bytes copied",
                    mib(p.path("virtchainBytes")), mib(p.path("virshBytes")) + " (virsh snapshot-delete)",
                    String.format(Locale.ROOT, "%.1fx fewer", p.path("bytesRatio").asDouble()), "≥ 10x fewer",
                    p.path("met").asBoolean()));
            rows.add(row("3", "… wall time", secs(p.path("virtchainSeconds")), secs(p.path("virshSeconds")),
                    String.format(Locale.ROOT, "%.2fx faster", p.path("timeRatio").asDouble()), "—", null));
            if (!p.path("met").asBoolean()) {
                missed.add(String.format(Locale.ROOT, "3: newest-snapshot delete copies only %.1fx fewer bytes than"
                        + " virsh snapshot-delete (target ≥ 10x)", p.path("bytesRatio").asDouble()));
            }
        }
        if ((p = parts.get("4")) != null) {
            rows.add(row("4", "snapshot-create, median wall time of " + p.path("pairs").asInt() + " pairs",
                    ms(p.path("virtchainMedianMs")), ms(p.path("virshMedianMs")) + " (virsh snapshot-create-as)",
                    ratio(p.path("ratio")), "≤ 1.5", p.path("met").asBoolean()));
            if (!p.path("met").asBoolean()) {
                missed.add("4: virtchain snapshot-create takes " + ratio(p.path("ratio"))
                        + " the time of virsh snapshot-create-as (target ≤ 1.5)");
            }
            if (p.has("daemonSideMedianMs")) {
                rows.add(row("4", "… the daemon's part (request to answer on its socket), median",
                        ms(p.path("daemonSideMedianMs")), ms(p.path("libvirtCallMedianMs")) + " (libvirt's snapshot call alone)",
                        ratio(p.path("daemonSideRatio")), "≤ 1.2", p.path("daemonSideMet").asBoolean()));
                if (!p.path("daemonSideMet").asBoolean()) {
                    missed.add("4: the daemon's part of a snapshot takes " + ratio(p.path("daemonSideRatio"))
                            + " the time of libvirt's snapshot call alone (target ≤ 1.2)");
                }
            }
        }
        if ((p = parts.get("5")) != null) {
            rows.add(row("5", "merge of a " + p.path("layerBytes").asLong() / MIB + " MiB layer, median wall time",
                    secs(p.path("virtchainMedianSeconds")), secs(p.path("virshMedianSeconds")) + " (virsh blockcommit --wait)",
                    ratio(p.path("ratio")), "≤ 1.05", p.path("met").asBoolean()));
            if (!p.path("met").asBoolean()) {
                missed.add("5: a daemon-run commit takes " + ratio(p.path("ratio"))
                        + " the time of virsh blockcommit --wait (target ≤ 1.05)");
            }
            if (p.has("tailMedianMs")) {
                rows.add(row("5", "… from libvirt's job-completed event to the CLI's exit, median", ms(p.path("tailMedianMs")),
                        "", "", "≤ 50 ms", p.path("tailMet").asBoolean()));
                if (!p.path("tailMet").asBoolean()) {
                    missed.add("5: after the job completes virtchain takes " + ms(p.path("tailMedianMs"))
                            + " to finish (target ≤ 50 ms)");
                }
            }
        }
        if ((p = parts.get("6")) != null) {
            rows.add(row("6", "daemon RSS, no domains / " + p.path("managedDomains").asInt() + " managed",
                    mib(p.path("rssNoDomainsBytes")) + " / " + mib(p.path("rssManagedBytes")), "", "", "≤ 128 MiB",
                    p.path("rssMet").asBoolean()));
            JsonNode cli = p.path("cli");
            rows.add(row("6", "`virtchain status`, median wall time", ms(cli.path("statusMedianMs")),
                    ms(cli.path("virshListMedianMs")) + " (virsh list)",
                    ratio(cli.path("statusMedianMs").asDouble() / cli.path("virshListMedianMs").asDouble()),
                    "≤ 60 ms", p.path("cliMet").asBoolean()));
            if (cli.has("jvmStartMedianMs")) {
                rows.add(row("6", "… the JVM alone (`java -version`, the CLI's flags), median", ms(cli.path("jvmStartMedianMs")),
                        ms(cli.path("virshListMedianMs")) + " (virsh list)",
                        ratio(cli.path("jvmStartMedianMs").asDouble() / cli.path("virshListMedianMs").asDouble()), "", null));
            }
            if (!p.path("rssMet").asBoolean()) {
                missed.add("6: daemon RSS is " + mib(p.path("rssNoDomainsBytes")) + " after start and "
                        + mib(p.path("rssManagedBytes")) + " with " + p.path("managedDomains").asInt()
                        + " managed domains (target ≤ 128 MiB)");
            }
            if (!p.path("cliMet").asBoolean()) {
                missed.add("6: `virtchain status` takes " + ms(cli.path("statusMedianMs")) + " (target ≤ 60 ms; the JVM alone"
                        + " takes " + ms(cli.path("jvmStartMedianMs")) + ")");
            }
        }
        if ((p = parts.get("8")) != null) {
            boolean met = p.path("daemonAlive").asBoolean() && p.path("daemonPeakRssBytes").asLong() <= 128 * MIB;
            rows.add(row("8", "plan and du of a snapshot held by a " + p.path("extents").asLong() + "-extent image:"
                            + " daemon peak RSS", mib(p.path("daemonPeakRssBytes")),
                    mib(p.path("mapOutputBytes")) + " of map output", "", "≤ 128 MiB, no OOM", met));
            if (!met) {
                missed.add("8: with a " + p.path("extents").asLong() + "-extent image the daemon peaked at "
                        + mib(p.path("daemonPeakRssBytes")) + (p.path("daemonAlive").asBoolean() ? "" : " and died"));
            }
        }
        if ((p = parts.get("10")) != null) {
            rows.add(row("10", "status answered with " + p.path("longCommandsInFlight").asInt() + " deletes in flight and "
                            + p.path("idleConnections").asInt() + " idle connections, max of 10 (daemon side; CLI wall "
                            + ms(p.path("busyStatusMaxMs")) + ")",
                    ms(p.path("busyRawMaxMs")), ms(p.path("quietRawMedianMs")) + " (quiet daemon, median)", "",
                    "< 1 s", p.path("met").asBoolean()));
            if (!p.path("met").asBoolean()) {
                missed.add("10: the daemon took up to " + ms(p.path("busyRawMaxMs")) + " to answer status when busy");
            }
        }
        if ((p = parts.get("7")) != null) {
            rows.add(row("7", "daemon start with " + p.path("domains").asInt() + " domains × "
                            + p.path("disksPerDomain").asInt() + " disks × " + p.path("ledgerDepth").asInt()
                            + "-deep ledgers: ready", secs(p.path("readySeconds")),
                    secs(p.path("virshListOfThisNodeSeconds")) + " (virsh list)",
                    ratio(p.path("readySeconds").asDouble() / p.path("virshListOfThisNodeSeconds").asDouble()),
                    "≤ 1.5x", p.path("startMet").asBoolean()));
            rows.add(row("7", "planning a " + p.path("planner").path("chainDepth").asInt()
                            + "-deep prune, worst median", ms(p.path("planner").path("worstMedianMs")), "", "", "≤ 50 ms",
                    p.path("plannerMet").asBoolean()));
            if (p.has("metrics")) {
                rows.add(row("7", "/metrics scrape with " + p.path("domains").asInt() + " managed domains, median",
                        ms(p.path("metrics").path("medianMs")), "", "", "≤ 100 ms, RSS ≤ 128 MiB",
                        p.path("scrapeMet").asBoolean()));
                if (!p.path("scrapeMet").asBoolean()) {
                    missed.add("7: a /metrics scrape takes " + ms(p.path("metrics").path("medianMs"))
                            + " (target ≤ 100 ms); RSS after the scrapes " + mib(p.path("metrics").path("rssAfterBytes"))
                            + " (target ≤ 128 MiB)");
                }
            }
            if (!p.path("startMet").asBoolean()) {
                missed.add("7: the daemon is ready after " + secs(p.path("readySeconds")) + " with "
                        + p.path("domains").asInt() + " domains, "
                        + ratio(p.path("readySeconds").asDouble() / p.path("virshListOfThisNodeSeconds").asDouble())
                        + " virsh list of the same node (target ≤ 1.5x)");
            }
            if (!p.path("plannerMet").asBoolean()) {
                missed.add("7: planning a " + p.path("planner").path("chainDepth").asInt() + "-deep prune takes "
                        + ms(p.path("planner").path("worstMedianMs")) + " in the worst case (target ≤ 50 ms)");
            }
        }
    }

    private void prune(JsonNode p) {
        line("## 1. Bytes copied by retention pruning (simulator)");
        line("");
        line("30 days of hourly snapshots (" + p.path("hours").asInt() + "), " + p.path("policy").asText()
                + ", on a simulated host with " + p.path("clusterBytes").asLong() / 1024 + " KiB clusters. The base"
                + " image starts " + Math.round(p.path("baseShare").asDouble() * 100) + " % full. Each hour the guest"
                + " writes, a snapshot is taken, and retention runs on the schedule; whatever it lets go is deleted in"
                + " one prune. The same writes go to every strategy:");
        line("");
        line("- **virtchain**: the daemon's planner, one plan per prune (range merges), run by the daemon's executor on"
                + " the simulated host, which checks every step copies what the plan estimated.");
        line("- **one at a time**: the same planner given each deleted snapshot separately, oldest first.");
        line("- **libvirt**: `virsh snapshot-delete` (libvirt ≥ 9.0) — commit the image above the snapshot into"
                + " it; active commit when that image is the active one; never pull.");
        line("- **Cinder/Nova**: pull the snapshot's image into the active one when it is the newest, else commit as"
                + " libvirt does.");
        line("- **lower bound**, per prune, from the states virtchain's plans led to: for prunes removing at most "
                + p.path("searchMaxImages").asInt() + " images, the cheapest of every valid sequence of commits and"
                + " pulls (exhaustive search on simulator forks with the design's validity rules); for larger prunes,"
                + " the landing bound — on a linear chain, every run of deleted images must end with the point in time"
                + " above it held by one surviving image, which must receive every cluster it lacks, so no valid plan"
                + " copies less than the cheapest valid landing. It bounds a planner's choices prune by prune, not every"
                + " possible 30-day history.");
        line("");
        line("\"running\" prunes with the domain running (libvirt pulls live only into the active image); \"shut"
                + " off\" prunes the same history offline with qemu-img, where any image can be pulled into. Hourly"
                + " pruning is the case asked for; a nightly prune (once a day at 00:00) is added because under"
                + " 24h/7d/4w an hourly prune only ever deletes one interior snapshot, where commit is the only live"
                + " choice and every strategy coincides.");
        line("");
        for (String schedule : List.of("after every snapshot", "once a day at 00:00")) {
            line("**Pruned " + schedule + "** (bytes in GiB; ratios are the other strategy's bytes over virtchain's):");
            line("");
            line("| disk | writes/h | pattern | domain | deleted | prunes | most at once | virtchain | lower bound"
                    + " | virtchain/bound | one at a time | libvirt | Cinder/Nova |");
            line("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
            for (JsonNode c : p.path("cases")) {
                if (!c.path("schedule").asText().equals(schedule)) {
                    continue;
                }
                JsonNode b = c.path("bytes");
                JsonNode r = c.path("ratios");
                line("| " + c.path("disk").asText() + " | " + c.path("bytesPerHour").asLong() / MIB + " MiB | "
                        + c.path("pattern").asText() + " | " + c.path("state").asText() + " | " + c.path("deleted").asInt()
                        + " | " + c.path("prunes").asInt() + " | " + c.path("mostDeletedAtOnce").asInt() + " | "
                        + gib(b.path("virtchain")) + " | " + gib(b.path("lowerBound")) + " | "
                        + ratio3(r.path("virtchainToLowerBound")) + " | " + ratio3(r.path("oneAtATimeToVirtchain"))
                        + mark(c, "oneAtATimeRun") + " | " + ratio3(r.path("libvirtToVirtchain")) + " | "
                        + ratio3(r.path("cinderNovaToVirtchain")) + mark(c, "cinderNovaRun") + " |");
            }
            line("");
        }
        line("° not run, because it cannot differ: with one snapshot per prune, one at a time is the same plans;"
                + " Cinder/Nova's rule differs from libvirt's only when the newest snapshot is deleted, which this"
                + " policy never does.");
        line("");
        int hourlyMost = 0;
        int nightlyMost = 0;
        int newest = 0;
        for (JsonNode c : p.path("cases")) {
            int most = c.path("mostDeletedAtOnce").asInt();
            if (c.path("schedule").asText().equals("after every snapshot")) {
                hourlyMost = Math.max(hourlyMost, most);
            } else {
                nightlyMost = Math.max(nightlyMost, most);
            }
            newest += c.path("newestDeletes").asInt();
        }
        if (hourlyMost == 1 && newest == 0) {
            line("Reading the tables: pruned hourly, every prune deleted one snapshot and never the newest, so every"
                    + " delete is of an interior snapshot. With the domain running, libvirt allows one way to merge it"
                    + " (commit the image above into the snapshot's image; pulling into an image that is not the"
                    + " active one is refused), so all strategies copy the same bytes. Shut off, virtchain may"
                    + " instead pull the snapshot's image into the one above when that copies less, which is where"
                    + " the libvirt column departs from 1.");
            line("");
        }
        if (nightlyMost > 1) {
            line("Pruned nightly, a prune deletes up to " + nightlyMost + " snapshots, mostly a day's adjacent"
                    + " hourlies. virtchain merges each run of adjacent deleted snapshots with one commit, which"
                    + " copies a cluster once however many of those hours wrote it; one at a time, and libvirt,"
                    + " copy it once for every hour that wrote it. So the saving grows with how often the guest"
                    + " rewrites the same clusters within a day, and is nil when hours never overlap.");
            line("");
        }
        JsonNode s = p.path("summary");
        line("Lower bound: " + s.path("prunesSearched").asInt() + " prunes searched exhaustively, "
                + s.path("prunesLandingBound").asInt() + " bounded by landing; worst ratio "
                + ratio3(s.path("worstVirtchainToLowerBound")) + ".");
        line("");
        if (p.has("branching")) {
            branching(p);
        }
    }

    private void branching(JsonNode p) {
        JsonNode bs = p.path("branchingSummary");
        line("**Branching histories**: the same 30 days on the two smaller disks, with " + p.path("branchingHistory")
                .asText() + ". Prunes then meet branch points (an image with two children) and holders a clone"
                + " reads. libvirt's and Cinder/Nova's rules are not run: they keep one linear chain (libvirt refuses"
                + " to delete a snapshot with two children). The lower bound here is the exhaustive search alone, on"
                + " every prune with at most " + bs.path("searchMaxImages").asInt() + " removable images (tombstones"
                + " that must stay count); the landing bound does not hold once branches and clones keep tombstones,"
                + " so larger prunes are left unbounded rather than compared with a wrong figure. Bytes in GiB:");
        line("");
        line("| disk | writes/h | pattern | domain | pruned | reverts | clones | deleted | prunes | most at once | virtchain"
                + " | prunes searched | virtchain on them | lower bound | virtchain/bound | one at a time |");
        line("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        for (JsonNode c : p.path("branching")) {
            JsonNode b = c.path("bytes");
            JsonNode r = c.path("ratios");
            JsonNode m = c.path("lowerBoundMethod");
            line("| " + c.path("disk").asText() + " | " + c.path("bytesPerHour").asLong() / MIB + " MiB | "
                    + c.path("pattern").asText() + " | " + c.path("state").asText() + " | "
                    + (c.path("schedule").asText().equals("after every snapshot") ? "hourly" : "nightly") + " | "
                    + c.path("reverts").asInt() + " | " + c.path("clones").asInt() + " | " + c.path("deleted").asInt()
                    + " | " + c.path("prunes").asInt() + " | " + c.path("mostDeletedAtOnce").asInt() + " | "
                    + gib(b.path("virtchain")) + " | " + m.path("prunesSearched").asInt() + " of "
                    + (m.path("prunesSearched").asInt() + m.path("prunesNotBounded").asInt()) + " | "
                    + gib(b.path("searchedVirtchain")) + " | " + gib(b.path("searchedLowerBound")) + " | "
                    + ratio3(r.path("searchedVirtchainToLowerBound")) + " | " + ratio3(r.path("oneAtATimeToVirtchain"))
                    + " |");
        }
        line("");
        line("Branching lower bound: " + bs.path("prunesSearched").asInt() + " prunes searched exhaustively, "
                + bs.path("prunesNotBounded").asInt() + " too large to search; worst ratio on the searched ones "
                + ratio3(bs.path("worstSearchedVirtchainToLowerBound")) + ". Pruned nightly, almost every prune is"
                + " too large to search, so those rows show only how much one plan per prune saves over one"
                + " snapshot at a time.");
        line("");
    }

    private void simulator(JsonNode p) {
        line("## 2. Simulator against real QEMU");
        line("");
        line("A running TCG domain with a " + p.path("diskBytes").asLong() / MIB + " MiB qcow2 disk; the same writes"
                + " (HMP qemu-io) and disk-only snapshots (`virsh`, `--no-metadata`) go to it and to a simulated host."
                + " Before each job the simulator predicts its bytes; then `virsh` runs the job. Measured: "
                + p.path("measure").asText() + ".");
        line("");
        line("| job | virsh | predicted | QEMU wrote | deviation | took |");
        line("|---|---|---|---|---|---|");
        for (JsonNode j : p.path("jobs")) {
            line("| " + j.path("job").asText() + " | `" + j.path("virsh").asText() + "` | " + mib(j.path("predictedBytes"))
                    + " | " + mib(j.path("qemuWroteBytes")) + " | "
                    + String.format(Locale.ROOT, "%+.2f %%", j.path("deviation").asDouble() * 100) + " | "
                    + secs(j.path("seconds")) + " |");
        }
        line("");
        line("QEMU's own job progress is no measure here: for commit and stream jobs it counts every byte of the disk"
                + " it walks, allocated or not. The excess over the prediction is qcow2 metadata (L2 tables, refcounts).");
        line("");
    }

    private void newestDelete(JsonNode p) {
        line("## 3. Newest-snapshot delete with a diverged active layer");
        line("");
        line("Two running domains (512 MiB disks) get the same writes: 16 MiB in the base, snapshot s0, "
                + p.path("holderBytes").asLong() / MIB + " MiB (s1's holder), snapshot s1, "
                + p.path("activeBytes").asLong() / MIB + " MiB into the active image. On one, virtchain takes the"
                + " snapshots and deletes s1; on the other libvirt does (`virsh snapshot-create-as --disk-only --atomic`"
                + " with metadata, `virsh snapshot-delete`). Bytes: " + p.path("measure").asText() + ".");
        line("");
        line("| | bytes copied | wall time | what it did |");
        line("|---|---|---|---|");
        line("| virtchain | " + mib(p.path("virtchainBytes")) + " (planned " + mib(p.path("virtchainPlannedBytes")) + ") | "
                + secs(p.path("virtchainSeconds")) + " | " + p.path("virtchainSteps").asText() + " |");
        line("| virsh snapshot-delete | " + mib(p.path("virshBytes")) + " | " + secs(p.path("virshSeconds"))
                + " | active commit of the active image into s1's image, pivot |");
        line("");
        line(String.format(Locale.ROOT, "virtchain copied %.1fx fewer bytes and took %.2fx less time.",
                p.path("bytesRatio").asDouble(), p.path("timeRatio").asDouble()));
        line("");
    }

    private void libvirtVersions(JsonNode byVersion) {
        List<JsonNode> runs = new ArrayList<>();
        byVersion.elements().forEachRemaining(runs::add);
        runs.sort(java.util.Comparator.comparing(r -> versionKey(r.path("libvirt").asText())));
        line("## 9. libvirt's own snapshot-delete and snapshot-revert, by version");
        line("");
        line("The same scenes on each hypervisor, with virtchain beside libvirt on that hypervisor: the host's and"
                + " the Debian 13 test root's (`scripts/trixie-root`). Bytes: a chain base ← s1 ← s2 ← s3 ← active, "
                + dev.virtchain.bench.live.LibvirtOwnTools.HOLDER_MIB + " MiB in each snapshot's holder and " + dev.virtchain.bench.live.LibvirtOwnTools.ACTIVE_MIB
                + " MiB in the active image; what each domain's QEMU wrote during the delete (libvirt deletes a"
                + " range one snapshot at a time, s2 first).");
        line("");
        StringBuilder head = new StringBuilder("| delete |");
        StringBuilder rule = new StringBuilder("|---|");
        for (JsonNode r : runs) {
            String v = "libvirt " + r.path("libvirt").asText() + " / QEMU " + r.path("qemu").asText();
            head.append(" virtchain on ").append(v).append(" | virsh on ").append(v).append(" |");
            rule.append("---|---|");
        }
        line(head.toString());
        line(rule.toString());
        for (String kind : List.of("newest", "interior", "range")) {
            StringBuilder row = new StringBuilder("| " + kind + " (" + runs.get(0).path("bytes").path(kind)
                    .path("snapshots").asText() + ") |");
            for (JsonNode r : runs) {
                JsonNode b = r.path("bytes").path(kind);
                row.append(' ').append(mib(b.path("virtchainBytes"))).append(" (").append(b.path("virtchainSteps")
                        .asText()).append(") | ").append(mib(b.path("virshBytes")));
                for (JsonNode res : b.path("virshResults")) {
                    if (res.path("exit").asInt() != 0) {
                        row.append("; refused: ").append(cell(res.path("message").asText()));
                    }
                }
                row.append(" |");
            }
            line(row.toString());
        }
        line("");
        line("Branches and reverts: snapshots s1 and s2 of a running domain, then a revert to s1 (virtchain:"
                + " `snapshot-revert --force`; libvirt: `virsh snapshot-revert`), a new snapshot s3, so that s1 has two"
                + " children, then a delete of s1 (libvirt also with `--children`).");
        line("");
        head = new StringBuilder("| |");
        rule = new StringBuilder("|---|");
        for (JsonNode r : runs) {
            head.append(" libvirt ").append(r.path("libvirt").asText()).append(" (virsh) | virtchain on ")
                    .append(r.path("libvirt").asText()).append(" |");
            rule.append("---|---|");
        }
        line(head.toString());
        line(rule.toString());
        for (String[] row : List.of(new String[] {"revert to s1", "revert"},
                new String[] {"delete s1 (two children)", "deleteBranchPoint"},
                new String[] {"delete s1 --children", "deleteBranchPointWithChildren"})) {
            StringBuilder sb = new StringBuilder("| " + row[0] + " |");
            for (JsonNode r : runs) {
                sb.append(' ').append(outcome(r.path("virsh").path(row[1]))).append(" | ")
                        .append(outcome(r.path("virtchain").path(row[1]))).append(" |");
            }
            line(sb.toString());
        }
        StringBuilder kept = new StringBuilder("| after the revert |");
        for (JsonNode r : runs) {
            kept.append(' ').append(afterRevert(r.path("virsh"))).append(" | ").append(afterRevert(r.path("virtchain")))
                    .append(" |");
        }
        line(kept.toString());
        line("");
    }

    private static String outcome(JsonNode o) {
        if (o.isMissingNode()) {
            return "—";
        }
        return o.path("exit").asInt() == 0 ? "done" : "refused: " + cell(o.path("message").asText());
    }

    private static String afterRevert(JsonNode side) {
        if (side.path("revert").path("exit").asInt(-1) != 0) {
            return "—";
        }
        return (side.path("runningAfterRevert").asBoolean() ? "running" : "shut off") + "; the current state "
                + (side.path("currentStateKept").asBoolean() ? "kept" : "deleted");
    }

    private static String cell(String s) {
        return s.replace("|", "\\|").replace("\n", " ");
    }

    private static String versionKey(String v) {
        StringBuilder k = new StringBuilder();
        for (String part : v.split("\\.")) {
            k.append(String.format(Locale.ROOT, "%06d", part.matches("\\d+") ? Integer.parseInt(part) : 0));
        }
        return k.toString();
    }

    private void create(JsonNode p) {
        line("## 4. Snapshot create");
        line("");
        line("`virtchain snapshot-create DOM NAME` against `virsh snapshot-create-as DOM NAME --disk-only --no-metadata"
                + " --atomic`, each on its own running domain, " + p.path("pairs").asInt() + " pairs in alternating"
                + " order after a warm-up of each; whole command runs, fork to exit. virtchain's includes the CLI's JVM"
                + " start, the daemon's overlay (written in-process, as `qemu-img create` would), the snapshot call"
                + " and the ledger's fsync'd writes; virsh's libvirt makes its overlay inside QEMU (blockdev-create).");
        line("");
        line("| | median | p90 |");
        line("|---|---|---|");
        line("| virtchain snapshot-create | " + ms(p.path("virtchainMedianMs")) + " | " + ms(p.path("virtchainP90Ms")) + " |");
        line("| virsh snapshot-create-as | " + ms(p.path("virshMedianMs")) + " | " + ms(p.path("virshP90Ms")) + " |");
        line("");
        line("Ratio of medians: " + ratio(p.path("ratio")) + " (target ≤ 1.5).");
        line("");
        if (p.has("daemonSideMedianMs")) {
            line("The daemon's part alone against libvirt's call alone, " + p.path("pairs").asInt() + " more pairs:"
                    + " a `snapshot-create` request sent straight on the daemon's socket (request to answer: look at"
                    + " the domain, plan, overlay, quiesce decision, libvirt's call, the ledger's writes), and"
                    + " `virDomainSnapshotCreateXML` with virsh's flags called by the benchmark itself on the second"
                    + " domain over a connection that is open already.");
            line("");
            line("| | median | p90 |");
            line("|---|---|---|");
            line("| virtchaind, request to answer | " + ms(p.path("daemonSideMedianMs")) + " | "
                    + ms(p.path("daemonSideP90Ms")) + " |");
            line("| libvirt's snapshot call alone | " + ms(p.path("libvirtCallMedianMs")) + " | "
                    + ms(p.path("libvirtCallP90Ms")) + " |");
            line("");
            line("Ratio of medians: " + ratio(p.path("daemonSideRatio")) + " (target ≤ 1.2).");
            line("");
            line("What bounds it (the daemon's debug log of this benchmark, December 2026): libvirt's call inside the"
                    + " daemon took 48 ms on the first of these snapshots and 90-105 ms on the last, growing about"
                    + " 1.4 ms per image in the chain. The daemon pre-creates each overlay (its own name, relative"
                    + " backing name and pinned backing format) and asks libvirt to reuse it (`REUSE_EXT`); the call"
                    + " alone above lets libvirt make the overlay, as virsh does. The growth is not from the reuse:"
                    + " with a reused overlay libvirt (qemu_snapshot.c, 8.1 to 10.7) copies only the overlay's own"
                    + " source, labels only that image and attaches it with no backing of its own, so the growth is in"
                    + " what both ways share (likely query-named-block-nodes, two nodes per image, and the live XML"
                    + " formatted, parsed and saved; not measured apart). Everything else the daemon does was about 35 ms:"
                    + " 12 ms to look at the domain, plan and record the operation, 11 ms for the overlay and its two"
                    + " records, 4 ms to read the live XML before the call, 9 ms for the last two records and the"
                    + " answer. Timed inside the first of those 12 ms (December 2026, 40 images in the chain): the live"
                    + " XML 3.8 ms, parsing it 0.7 ms, a second call asking whether the domain runs 1.8 ms (now read"
                    + " from the XML, which has an id only while it runs), confining the chain's 40 images 3.0 ms,"
                    + " planning 0.7 ms, and recording the operation (an fsync'd ledger write) 4-5 ms. Skipping the"
                    + " quiesce attempt on a domain without a guest agent channel (two round"
                    + " trips libvirt answers at once) and the two ledger writes a snapshot no longer makes moved the"
                    + " snapshot phase below from 72 ms in the last run before them to "
                    + ms(p.path("phasesMedianMs").path("snapshotAndLedger")) + ", close to this machine's"
                    + " run-to-run noise.");
            line("");
        }
        JsonNode ph = p.path("phasesMedianMs");
        if (ph.has("overlayCreated")) {
            line("Where virtchain's time goes, medians of " + ph.path("runs").asInt() + " runs (the daemon's log"
                    + " against the CLI's wall time):");
            line("");
            line("| phase | median |");
            line("|---|---|");
            line("| CLI start (JVM), request, the daemon's look at the domain, plan, operation recorded | "
                    + ms(ph.path("cliStartToOperationRecorded")) + " |");
            line("| overlay created (and its step recorded) | " + ms(ph.path("overlayCreated")) + " |");
            line("| libvirt's snapshot call, the ledger's writes | " + ms(ph.path("snapshotAndLedger")) + " |");
            line("| answer and the CLI's exit | " + ms(ph.path("answerAndCliExit")) + " |");
            line("");
            line("Before December 2026 the overlay was made by starting `qemu-img create`: 34 ms of a 129 ms"
                    + " daemon side, measured on this machine the same way.");
            line("");
        }
    }

    private void merge(JsonNode p) {
        line("## 5. Merge wall time");
        line("");
        line("A " + p.path("layerBytes").asLong() / MIB + " MiB layer committed into the base of a running domain:"
                + " virtchain deletes the snapshot the base holds (its planner commits the layer above, not the active"
                + " image, into the base; the CLI waits for the end), virsh runs `blockcommit DOM vda --top LAYER --base"
                + " BASE --wait` on a second domain with the same chain. " + p.path("rounds").asInt() + " rounds, order"
                + " alternating, each on a freshly written layer.");
        line("");
        line("Seconds from the start of each command; \"job completed\" is when libvirt's block-job event for the"
                + " domain said so (`virsh event --timestamp`, watching each domain throughout), \"planned\" and"
                + " \"job seen ended\" come from the daemon's log.");
        line("");
        line("| round | virtchain: planned | job completed | job seen ended | done | steps | virsh: job completed | done"
                + " | bytes (virtchain / virsh) |");
        line("|---|---|---|---|---|---|---|---|---|");
        int n = 1;
        for (JsonNode r : p.path("perRound")) {
            JsonNode log = r.path("virtchainFromLogSeconds");
            line("| " + n++ + " | " + secs(log.path("operationStarted")) + " | "
                    + secs(r.path("virtchainJobCompletedEventSeconds")) + " | " + secs(log.path("jobEnded")) + " | **"
                    + secs(r.path("virtchainSeconds")) + "** | " + r.path("virtchainSteps").asText() + " | "
                    + secs(r.path("virshJobCompletedEventSeconds")) + " | **" + secs(r.path("virshSeconds")) + "** | "
                    + mib(r.path("virtchainBytes")) + " / " + mib(r.path("virshBytes")) + " |");
        }
        line("");
        line("Before \"planned\" the CLI starts, sends its request, and the daemon measures the images and plans;"
                + " then the commit runs until \"job completed\"; the daemon's watcher notices the end at \"job seen"
                + " ended\" and checks the chain; after it the daemon records the new ledger, removes the merged file"
                + " and answers, and the CLI exits (\"done\").");
        line("");
        line("Medians: virtchain " + secs(p.path("virtchainMedianSeconds")) + ", virsh "
                + secs(p.path("virshMedianSeconds")) + "; ratio " + ratio(p.path("ratio")) + " (target ≤ 1.05)."
                + " virtchain's time includes the CLI's start (see benchmark 6), measuring the images (`qemu-img"
                + " map`), planning, and the ledger's fsync'd writes before and after the job. `virsh ... --wait`"
                + " looks at the job every 500 ms (a fixed sleep in virsh's wait loop, even when the completion"
                + " event has arrived), so its times come in steps of about half a second; a job shorter than that"
                + " costs virsh a whole step.");
        line("");
        if (p.has("tailMedianMs")) {
            line("From libvirt's job-completed event to the CLI's exit: " + ms(p.path("tailMedianMs"))
                    + " (median; target ≤ 50 ms). virtchain removes the merged 256 MiB image, which `virsh blockcommit`"
                    + " leaves on disk. This machine's root file system is ext4 mounted with `discard`: unlinking a 256 MiB"
                    + " file whose blocks are on disk takes about 100 ms there, almost all of it the kernel's CPU time"
                    + " (one of two cores). So the daemon holds the image open across its unlink (4 ms; the name is gone"
                    + " at once) and closes it after the operation's last ledger write, off the answer's path; a free-space check"
                    + " waits for such closes first. Until December 2026 the removal was in the tail: 129 ms median."
                    + " In a debug log of this benchmark: 7 ms from the event to the watcher's check of the chain, 12 ms"
                    + " more to the removal's start (the commit and ledger steps recorded, four fsync'd writes), 8 ms for"
                    + " a fresh look at the domain, the removal and the last two records; the rest is the answer, the"
                    + " CLI's exit and the delivery of the event to `virsh event`. Before the job, the daemon took"
                    + " 39 ms from the request to the operation recorded (one `qemu-img map` of 25 ms); the rest of"
                    + " \"planned\" is the CLI's start.");
            line("");
        }
    }

    private void footprint(JsonNode p) {
        line("## 6. Footprint");
        line("");
        line("Resident memory (VmRSS) of virtchaind, " + "read 5 s after it reported ready: on a host with no domains,"
                + " and on one with " + p.path("managedDomains").asInt() + " domains (libvirt's test driver through"
                + " libvirtd, 2 disks each, 5-deep chains) whose generated ledgers it loads at start; after a `domains` request.");
        line("");
        line("| | RSS |");
        line("|---|---|");
        line("| no domains | " + mib(p.path("rssNoDomainsBytes")) + " |");
        line("| " + p.path("managedDomains").asInt() + " managed domains | " + mib(p.path("rssManagedBytes"))
                + " (peak " + mib(p.path("peakRssManagedBytes")) + ") |");
        line("");
        JsonNode cli = p.path("cli");
        line("CLI: `virtchain status` against that daemon beside `virsh list` on qemu:///system; "
                + cli.path("tool").asText() + ".");
        line("");
        line("| | median |");
        line("|---|---|");
        line("| virtchain status | " + ms(cli.path("statusMedianMs")) + " |");
        line("| virsh list | " + ms(cli.path("virshListMedianMs")) + " |");
        if (cli.has("jvmStartMedianMs")) {
            line("| the JVM alone (`java -version`, the CLI's flags) | " + ms(cli.path("jvmStartMedianMs")) + " |");
        }
        line("");
        line("Where the CLI's time above the JVM's goes (class-loading log and hyperfine, December 2026): about 30 ms"
                + " is the JDK's own set-up of its first Unix socket (the selector provider's lambda links the"
                + " method-handle machinery, a service lookup, and a `SecureRandom` that loads the security"
                + " providers); the rest is parsing, the daemon's answer (2 ms) and printing. Finding a UTC host's"
                + " zone without java.time's time-zone database took 19 ms off a text `status` (156.8 to 137.8 ms);"
                + " a static class-data archive of the CLI measured 13 ms less than the dynamic one it uses (123.6"
                + " against 136.4 ms), but a static archive that no longer matches the JDK after an update leaves the"
                + " JVM with no sharing at all, where a dynamic one falls back to the JDK's own.");
        line("");
    }

    private void fragmented(JsonNode p) {
        line("## 8. A fragmented image");
        line("");
        line("A snapshot held by a qcow2 image of " + p.path("extents").asLong() + " extents (512-byte clusters, every"
                + " other one allocated). `qemu-img map` of it alone, then the daemon planning the snapshot's delete"
                + " and answering `du` (both map it), in a daemon started for this benchmark (128 MiB heap).");
        line("");
        line("| | |");
        line("|---|---|");
        line("| qemu-img map alone | " + secs(p.path("qemuImgMapSeconds")) + ", " + mib(p.path("mapOutputBytes"))
                + " of JSON |");
        line("| virtchain snapshot-delete --dry-run (CLI wall) | " + secs(p.path("planSeconds")) + " |");
        line("| virtchain du (CLI wall) | " + secs(p.path("duSeconds")) + " |");
        line("| daemon peak RSS (VmHWM) before planning | " + mib(p.path("daemonPeakRssBeforeBytes")) + " |");
        line("| daemon peak RSS (VmHWM) after planning and du | " + mib(p.path("daemonPeakRssBytes")) + " |");
        line("| daemon alive afterwards | " + (p.path("daemonAlive").asBoolean() ? "yes" : "**no**") + " |");
        line("");
    }

    private void busySocket(JsonNode p) {
        line("## 10. A busy control socket");
        line("");
        line(p.path("longCommandsInFlight").asInt() + " `snapshot-delete --bandwidth 1` commands in flight at once (two"
                + " block jobs running, the rest waiting for the host's block-job slots, every one holding its"
                + " connection) and " + p.path("idleConnections").asInt() + " connections that never send a request."
                + " `status` and `ping` have threads of their own.");
        line("");
        line("| `virtchain status` (CLI wall, 10 runs) | median | max |");
        line("|---|---|---|");
        line("| quiet daemon | " + ms(p.path("quietStatusMedianMs")) + " | |");
        line("| busy daemon | " + ms(p.path("busyStatusMedianMs")) + " | " + ms(p.path("busyStatusMaxMs")) + " |");
        line("");
        line("| the daemon's answer alone (raw socket, request to reply) | median | max |");
        line("|---|---|---|");
        line("| quiet daemon | " + ms(p.path("quietRawMedianMs")) + " | |");
        line("| busy daemon | " + ms(p.path("busyRawMedianMs")) + " | " + ms(p.path("busyRawMaxMs")) + " |");
        line("");
        line("Load average during the busy runs: " + p.path("loadAverage").asText() + " (16 TCG guests and the block"
                + " jobs share the two cores with the CLI's JVM).");
        line("");
    }

    private void scale(JsonNode p) {
        line("## 7. Scale");
        line("");
        line("virtchaind started on a generated host: " + p.path("domains").asInt() + " running domains (libvirt's"
                + " test driver through libvirtd), " + p.path("disksPerDomain").asInt() + " disks each, chains "
                + p.path("ledgerDepth").asInt() + " deep with every image file present (tiny qcow2 chains, whose"
                + " headers the daemon reads as it checks each chain), and a ledger file for each domain with "
                + p.path("ledgerDepth").asInt() + " snapshots. Times from exec; \"ready\" is when the daemon's"
                + " READY=1 reached the benchmark's notify socket (its NOTIFY_SOCKET, as systemd's would). The control"
                + " socket is polled every 10 ms until it first answers, then left alone until READY=1: until December"
                + " 2026 it was polled until `status` said ready, which took CPU from the start and saw ready 70-80 ms"
                + " after the daemon's own log did.");
        line("");
        JsonNode ph = p.path("phasesFromLogSeconds");
        line("| | seconds |");
        line("|---|---|");
        line("| `virsh list` of the same test node (libvirtd parsing it, for scale; median of "
                + (p.has("virshListRunsSeconds") ? p.path("virshListRunsSeconds").toString() : "one run") + ") | "
                + p.path("virshListOfThisNodeSeconds").asText() + " |");
        line("| connected to libvirt, ledgers loaded (daemon log) | " + ph.path("connectedAndLedgersLoaded").asText() + " |");
        line("| control socket answers | " + p.path("socketAnswersSeconds").asText() + " |");
        line("| recovery done: interrupted operations settled (daemon log) | " + ph.path("recoveryDone").asText() + " |");
        line("| **ready** | **" + p.path("readySeconds").asText() + "** |");
        line("| every domain checked against its ledger (status polled every 10 ms) | " + p.path("allCheckedSeconds").asText()
                + " |");
        line("");
        if (p.has("firstCommandMs")) {
            line("Ready means every command is served: interrupted operations are settled before it, and each domain's"
                    + " chains are checked against its ledger after it, on a thread of their own, while commands run. A"
                    + " command about a domain not checked yet checks that one first (a read of its XML and its chains);"
                    + " none plans on a domain whose drift is unknown. `snapshot-list " + p.path("firstCommandDomain").asText()
                    + "`, the domain the check reaches last, asked straight on the socket at ready: answered in "
                    + ms(p.path("firstCommandMs")) + ", with " + p.path("uncheckedAfterFirstCommand").asInt()
                    + " domains still unchecked after it. Until December 2026 ready came after every domain's check.");
            line("");
        }
        line("RSS at ready: " + mib(p.path("rssAtReadyBytes")) + "; after the scrapes "
                + mib(p.path("metrics").path("rssAfterBytes")) + " (before the heap and ledger changes of"
                + " December 2026: 154.3 MiB at ready, 160.3 MiB after the scrapes).");
        line("");
        line("Where the memory went before, at 1000 domains (Native Memory Tracking, heap histogram, pmap; "
                + "145.7 MiB resident with the ledger changes alone): Java heap 60.7 MiB resident of 128 MiB "
                + "committed at start (a 34 MiB eden, every page touched, and 19 MiB of old generation), class "
                + "metadata 17 MiB, the CDS archive 12 MiB, libjvm 11 MiB, JIT code 6.3 MiB, symbols 4.5 MiB, 29 "
                + "threads 2.5 MiB of stack, malloc arenas and libraries the rest. The 1000 ledgers alone held 28 "
                + "MiB of heap: each path three times (image, backing, holder) and two empty TreeSets per snapshot;"
                + " read from their files they now hold 14.5 MiB. The launcher now starts the heap at 16 MiB with a"
                + " young generation of at most 16 MiB (eden 8.6 MiB) and two malloc arenas: 114.7 MiB resident "
                + "after the scrapes in the same measurement.");
        line("");
        line("Where the start-up goes (JFR, December 2026): the drift check of every domain took 5.64 s of the"
                + " 8.57 s to ready when it ran serially under ManagedDomains' lock: two libvirt round trips per"
                + " domain (lookup and XML), a realpath per image (40,000, an lstat per path component each) and the"
                + " header reads. It then read on four threads and resolved each image directory once: 5.54 s to"
                + " ready (4.70x virsh list). Measured phase by phase after that (the daemon's log and per-phase"
                + " timers, 1000 domains): 0.6 s of JVM and class loading before anything else; the connection 1.4 s"
                + " (libvirtd parsing the node, as virsh's does) and only then 1.0 s reading the ledgers, whose"
                + " previous generations were decoded too; 0.6 s listing the domains (two round trips per domain);"
                + " 2.9 s of drift check, with 3.4 s of thread time reading 40,000 headers and confining every image"
                + " up to four times. Since: the ledgers are read while libvirtd answers the connection, current"
                + " generations only; the domains are listed in three calls; a header is one read and each image is"
                + " confined once; a live chain equal to the one the ledger recorded (checked when it was recorded)"
                + " is confined but its headers are not read again; and the launcher maps a class-data archive"
                + " (0.3-0.4 s earlier to connect). Then (December 2026) the drift check moved after ready (above):"
                + " 3.54 s to ready before, 2.94x virsh list's single run. Before connecting, the daemon no longer"
                + " syncs the PID it writes into its state lock (up to 0.1 s waiting for the file system's journal),"
                + " JNA no longer runs `ldconfig -p` to find library directories (60 ms), logging is set up in code"
                + " instead of by logback's XML configurator (155 classes: the ledgers start loading 85 ms earlier,"
                + " and both they and the connection are done 0.16 s earlier), and the metrics endpoint's"
                + " classes are in the archive (48 to 12-16 ms from the socket to the endpoint); 'starting' to ready"
                + " went from about 200 ms to 130 ms. Then the connection was asked for sooner: the launcher's entry"
                + " point starts libvirt's native set-up (JNA, libvirt's library and its event loop, about 0.25 s) on"
                + " a thread of its own before logging and the configuration are set up, and the request goes out"
                + " right after the state lock, the ledgers being read meanwhile; in 20 alternating starts of the"
                + " same node, ready came a median 0.24 s sooner (17 of 20 pairs). A start with no ledger at all"
                + " connected no sooner, so decoding the ledgers (about 1.1 s on one core) is off the path to ready"
                + " and decoding them lazily would not bring it closer. Then what followed the connection was moved"
                + " before it: Quartz builds the policy scheduler (27-30 ms) while libvirtd answers, and the"
                + " connection's thread lists the domains (35-90 ms) while the main thread builds the services;"
                + " from the connection to ready took 82 ms instead of 121 ms (medians of 16 alternating starts, ready"
                + " 79 ms sooner, 11 of 16 pairs). What is left: about 0.45 s from exec to the connection request,"
                + " libvirtd's answer (its parse of the node, about what `virsh list` takes), and about 80 ms from"
                + " the connection to ready (the services, the socket, the metrics endpoint). Timed in a process of"
                + " its own with the daemon's flags and archive: the JVM to the entry point 150-170 ms, of which about"
                + " 37 ms is the JVM moving its class-data archives to a random address (a fixed address, the"
                + " diagnostic ArchiveRelocationMode=0, saves it but gives up address-space randomisation of class"
                + " metadata in a root process: not done); then JNA's class set-up 48 ms (its dispatch library"
                + " extracted from the jar among it), loading libvirt's library 31-41 ms, and libvirt-java's proxy"
                + " over its binding interface 48 ms.");
        line("");
        JsonNode pl = p.path("planner");
        line("Planner, in the benchmark's JVM: a " + pl.path("chainDepth").asInt() + "-deep linear chain (the"
                + " planner micro-benchmark's ledger and facts, which cost nothing to look up, so these are the planner's"
                + " own times), " + pl.path("warmups").asInt() + " warm-ups then " + pl.path("runs").asInt() + " runs:");
        line("");
        line("| case | median | p90 | max | steps |");
        line("|---|---|---|---|---|");
        for (JsonNode c : pl.path("cases")) {
            line("| " + c.path("case").asText() + " | " + ms(c.path("medianMs")) + " | " + ms(c.path("p90Ms")) + " | "
                    + ms(c.path("maxMs")) + " | " + c.path("steps").asInt() + " |");
        }
        line("");
    }

    // ------------------------------------------------------------------ formatting

    private void line(String s) {
        md.append(s).append('\n');
    }

    private static String[] row(String n, String what, String vc, String base, String ratio, String target,
                                Boolean met) {
        return new String[] {n, what, vc, base, ratio, target, met == null ? "" : met ? "yes" : "**no**"};
    }

    private static String mark(JsonNode c, String field) {
        return c.path(field).asText().startsWith("not run") ? "°" : "";
    }

    private static String ratio(JsonNode v) {
        return ratio(v.asDouble());
    }

    private static String ratio(double v) {
        return String.format(Locale.ROOT, "%.2fx", v);
    }

    private static String ratio3(JsonNode v) {
        return String.format(Locale.ROOT, "%.3f", v.asDouble());
    }

    private static String mib(JsonNode bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes.asLong() / (double) MIB);
    }

    private static String gib(JsonNode bytes) {
        return String.format(Locale.ROOT, "%.1f", bytes.asLong() / (double) GIB);
    }

    private static String ms(JsonNode v) {
        return String.format(Locale.ROOT, "%.0f ms", v.asDouble());
    }

    private static String secs(JsonNode v) {
        return String.format(Locale.ROOT, "%.2f s", v.asDouble());
    }
}
