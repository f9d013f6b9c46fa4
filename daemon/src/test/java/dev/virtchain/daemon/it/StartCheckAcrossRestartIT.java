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
 * nothing, and a domain no ledger names would never be adopted. The node of libvirt's test driver has
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
    void domainsTheCheckCouldNotAskAboutAreCheckedWhenLibvirtdIsBack() throws IOException {
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
            Duration exit = LibvirtdUnderTest.restart(() -> {
                try {
                    uncheckedWhileDown.set(daemon.require("status", DaemonProcess.args()).path("startCheck")
                            .path("unchecked").asInt(-1));
                } catch (RuntimeException e) {
                    throw new AssertionError("status is answered while libvirtd is down: " + e, e);
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
            assertEquals(DOMAINS, daemon.require("domains", DaemonProcess.args()).path("domains").size(),
                    "every domain was adopted once libvirtd answered");
            String log = daemon.output();
            assertTrue(log.contains("the start-up check cannot reach libvirtd"), "the check met the stop:\n"
                    + daemon.tail());
            assertFalse(log.contains("drift on"), daemon.tail());
        }
    }
}
