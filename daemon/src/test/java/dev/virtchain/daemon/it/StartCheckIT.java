package dev.virtchain.daemon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon is ready before it has checked every domain against its ledger, and no command works
 * on a domain before that domain's check. A node of libvirt's test driver (reached through the
 * libvirtd under test, which reads the node file) holds {@value #DOMAINS} domains no ledger names:
 * the start-up check adopts each, a ledger write apiece. Right at ready, a command about the one
 * domain whose chain has a hand-stacked overlay must find it adopted with that point in time,
 * while the pass is still under way; once every domain is checked, a domain whose chain leads out
 * of the image roots is reported by recovery and nothing else is.
 */
@Timeout(300)
class StartCheckIT {
    private static final int DOMAINS = 400;
    private static final String PREFIX = "vcsc-" + ProcessHandle.current().pid() + "-";

    @TempDir
    Path dir;

    @Test
    void aCommandAboutADomainNotCheckedYetChecksItFirst() throws Exception {
        Path images = Files.createDirectories(dir.resolve("images"));
        Path outside = Files.createDirectories(dir.resolve("outside"));
        String stacked = name(DOMAINS - 1);
        String escaping = name(DOMAINS / 2);
        TestDriverNode node = new TestDriverNode();
        for (int i = 0; i < DOMAINS; i++) {
            String n = name(i);
            Path base = (n.equals(escaping) ? outside : images).resolve(n + ".raw");
            if (n.equals(stacked) || n.equals(escaping)) {
                TestDriverNode.sparse(base);
                Path overlay = images.resolve(n + ".1.qcow2");
                run("qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b", base.toString(), overlay.toString());
                node.domain(n, "<driver name='qemu' type='qcow2'/><source file='" + overlay + "'/>"
                        + "<backingStore type='file'><format type='raw'/><source file='" + base + "'/>"
                        + "<backingStore/></backingStore>");
            } else {
                node.rawDomain(n, base);
            }
        }
        String uri = node.write(dir.resolve("node.xml"));

        Path home = dir.resolve("home");
        try (DaemonProcess daemon = DaemonProcess.start(home, "[daemon]\nimage-roots = " + images + "\n",
                Optional.empty(), uri)) {
            daemon.awaitReady(Duration.ofSeconds(120), false);

            JsonNode listed = daemon.require("snapshot-list", DaemonProcess.args().put("domain", stacked));
            int uncheckedAfter = daemon.require("status", DaemonProcess.args()).path("startCheck").path("unchecked")
                    .asInt(-1);
            List<String> names = new ArrayList<>();
            listed.path("snapshots").forEach(s -> names.add(s.path("name").asText()));
            assertEquals(1, names.size(), "the command adopted " + stacked + " first, with its one point in time: "
                    + listed + "; the daemon's log ends:\n" + daemon.tail());
            assertTrue(names.get(0).startsWith("adopted-"), names.toString());
            assertTrue(uncheckedAfter > 0, "the command was answered while the start-up pass was still under way"
                    + " (domains left: " + uncheckedAfter + "); otherwise this test shows nothing");

            daemon.awaitReady(Duration.ofSeconds(180), true);
            JsonNode status = daemon.require("status", DaemonProcess.args());
            assertEquals(DOMAINS, status.path("startCheck").path("total").asInt(), status.toString());
            List<String> unresolved = new ArrayList<>();
            status.path("recovery").path("unresolved").forEach(u -> unresolved.add(u.asText()));
            assertEquals(1, unresolved.size(), "only the escaping chain is a problem: " + unresolved);
            assertTrue(unresolved.get(0).contains(escaping) && unresolved.get(0).contains("image roots"),
                    unresolved.get(0));
            JsonNode domains = daemon.require("domains", DaemonProcess.args());
            assertEquals(DOMAINS - 1, domains.path("domains").size(), "every other domain was adopted once");
            JsonNode again = daemon.require("snapshot-list", DaemonProcess.args().put("domain", stacked));
            assertEquals(listed.path("snapshots"), again.path("snapshots"), "the pass did not adopt it a second time");
        }
    }

    private static String name(int i) {
        return PREFIX + String.format(Locale.ROOT, "%03d", i);
    }

    private static void run(String... argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", argv) + " failed: " + out);
        }
    }
}
