package dev.virtchain.daemon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtchain.testing.LibvirtdUnderTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * libvirtd stops while the start-up check is under way. A domain the check could not ask libvirt
 * about has no drift and no problem of its own: it stays unchecked, and is checked once libvirtd
 * answers again: reporting each as drifted or as a problem of recovery would raise alarms for
 * nothing, and a domain no ledger names would never be adopted. A domain defined while libvirtd
 * was down has no event to announce it: it is adopted when the connection is back. The node of libvirt's test driver has
 * {@value #DOMAINS} domains no ledger names, so the check (a ledger write per domain) is still
 * under way when libvirtd is stopped right at ready.
 *
 * <p>Tagged {@code libvirtd-restart}: it runs in the Failsafe execution that may restart libvirtd.
 */
@Tag("libvirtd-restart")
@Timeout(300)
class StartCheckAcrossRestartIT {
    private static final int DOMAINS = 1000;
    private static final String PREFIX = "vcsr-" + ProcessHandle.current().pid() + "-";

    @TempDir
    Path dir;

    @Test
    void domainsTheCheckCouldNotAskAboutAreCheckedWhenLibvirtdIsBack() throws IOException, InterruptedException {
        Path images = Files.createDirectories(dir.resolve("images"));
        TestDriverNode node = new TestDriverNode();
        for (int i = 0; i < DOMAINS; i++) {
            String n = PREFIX + String.format(Locale.ROOT, "%04d", i);
            node.rawDomain(n, images.resolve(n + ".raw"));
        }
        String uri = node.write(dir.resolve("node.xml"));

        try (DaemonProcess daemon = DaemonProcess.start(dir.resolve("home"), "[daemon]\nimage-roots = " + images + "\n",
                Optional.empty(), uri)) {
            daemon.awaitReady(Duration.ofSeconds(120), false);
            int uncheckedAtStop = daemon.require("status", DaemonProcess.args()).path("startCheck").path("unchecked")
                    .asInt(-1);
            assertTrue(uncheckedAtStop > 0, "the check ended before libvirtd was stopped; otherwise this test"
                    + " shows nothing");
            AtomicInteger uncheckedWhileDown = new AtomicInteger(-1);
            String defined = PREFIX + "defined-while-down";
            Duration exit = LibvirtdUnderTest.restart(() -> {
                try {
                    uncheckedWhileDown.set(daemon.require("status", DaemonProcess.args()).path("startCheck")
                            .path("unchecked").asInt(-1));
                    // The restarted libvirtd reads the node again: one domain more, and no event says so.
                    node.rawDomain(defined, images.resolve(defined + ".raw")).write(dir.resolve("node.xml"));
                } catch (IOException | RuntimeException e) {
                    throw new AssertionError("while libvirtd was down: " + e, e);
                }
            });
            System.out.println("[virtchain-test] libvirtd took " + exit.toMillis() + " ms to exit on SIGTERM; "
                    + uncheckedWhileDown.get() + " of " + DOMAINS + " domains were not checked then");
            assertTrue(uncheckedWhileDown.get() > 0, "domains not checked when libvirtd stopped stay unchecked while it"
                    + " is down, not checked with a problem each (" + uncheckedWhileDown.get() + " left)");

            daemon.awaitReady(Duration.ofSeconds(180), true);
            JsonNode status = daemon.require("status", DaemonProcess.args());
            assertEquals(0, status.path("recovery").path("unresolved").size(), "nothing is a problem: " + status);
            assertEquals(0, status.path("drift").size(), "nothing drifted: " + status);
            // The reconnection's look for new domains runs beside the check's last round.
            JsonNode domains = daemon.require("domains", DaemonProcess.args()).path("domains");
            for (int i = 0; i < 100 && domains.size() < DOMAINS + 1; i++) {
                Thread.sleep(100);
                domains = daemon.require("domains", DaemonProcess.args()).path("domains");
            }
            assertEquals(DOMAINS + 1, domains.size(), "every domain was adopted once libvirtd answered, the one"
                    + " defined while it was down too; the daemon's log ends:\n" + daemon.tail());
            String log = daemon.output();
            assertTrue(log.contains("the start-up check cannot reach libvirtd"), "the check met the stop:\n"
                    + daemon.tail());
            assertFalse(log.contains("drift on"), daemon.tail());
        }
    }
}
