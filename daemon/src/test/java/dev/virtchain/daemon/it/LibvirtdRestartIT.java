package dev.virtchain.daemon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtchain.testing.ImageContent;
import dev.virtchain.testing.LibvirtdUnderTest;
import dev.virtchain.testing.TestDomain;
import dev.virtchain.testing.TestLibvirt;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;

/**
 * libvirtd is stopped (SIGTERM) and started again while virtchaind runs a bandwidth-limited
 * commit for a snapshot delete; QEMU keeps running the job. The daemon must reconnect, follow the
 * job to its end and finish the delete: the client's call returns {@code done}, and the ledger is
 * the truth.
 *
 * <p>Tagged {@code libvirtd-restart}: it runs in a Failsafe execution (a JVM) of its own, because
 * the restart kills the harness's shared connection. After the restart the test reads libvirt
 * through a fresh connection only. It restarts libvirtd exactly once, for as short as it can:
 * other test runs on this host share that daemon.
 */
@Tag("libvirtd-restart")
@Timeout(300)
class LibvirtdRestartIT {
    private Path home;
    private DaemonProcess daemon;
    private TestDomain dom;
    private Connect fresh;

    @AfterEach
    void cleanUp() throws LibvirtException {
        try {
            if (daemon != null) {
                daemon.close();
            }
            if (fresh != null && dom != null) {
                try {
                    Domain d = fresh.domainLookupByName(dom.name());
                    if (d.isActive() == 1) {
                        d.destroy();
                    }
                    d.undefine();
                } catch (LibvirtException gone) {
                    // never defined, or already removed
                }
            }
        } finally {
            try {
                if (fresh != null) {
                    fresh.close();
                }
            } finally {
                if (dom != null) {
                    dom.close(); // its connection died with libvirtd: this removes what is left, files included
                }
                CrashMatrixIT.deleteTree(home);
            }
        }
    }

    @Test
    void aDeleteWhoseCommitRunsAcrossALibvirtdRestartIsFinished() throws Exception {
        dom = TestDomain.builder().create();
        home = Files.createTempDirectory(TestDomain.workRoot(), "vcd-restart-");
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
        daemon = DaemonProcess.startReady(home, "[daemon]\nmin-free-space = 0\n");
        String name = dom.name();
        daemon.require("adopt", DaemonProcess.args().put("domain", name));

        Map<String, Map<String, String>> digests = new HashMap<>();
        digests.put("a", Map.of("vda", ChainAudit.liveDigest(dom, "vda")));
        daemon.require("snapshot-create", DaemonProcess.args().put("domain", name).put("name", "a").put("quiesce", "no"));
        dom.write("vda", 0x71, "4M", "10M");
        digests.put("b", Map.of("vda", ChainAudit.liveDigest(dom, "vda")));
        daemon.require("snapshot-create", DaemonProcess.args().put("domain", name).put("name", "b").put("quiesce", "no"));
        dom.write("vda", 0x72, "32M", "256k");
        String live = ChainAudit.liveDigest(dom, "vda");
        List<Path> chain = dom.chain("vda");

        // Deleting a (held by the base) commits b's 10 MiB into the base: about 10 s at 1 MiB/s.
        var delete = DaemonProcess.args().put("domain", name).put("bandwidth", 1);
        delete.putArray("names").add("a");
        CompletableFuture<JsonNode> done = CompletableFuture.supplyAsync(() -> daemon.require("snapshot-delete", delete));
        awaitJobProgress(name);

        // While libvirtd is down, a command that needs it answers BUSY (try again), not FAILED.
        java.util.concurrent.atomic.AtomicReference<String> whileDown = new java.util.concurrent.atomic.AtomicReference<>();
        Duration exit = LibvirtdUnderTest.restart(() -> {
            try {
                whileDown.set("answered " + daemon.call("domains", DaemonProcess.args()));
            } catch (DaemonProcess.Refusal r) {
                whileDown.set(r.code + ": " + r.getMessage());
            } catch (java.io.IOException e) {
                whileDown.set("connection failed: " + e);
            }
        });
        System.out.println("[virtchain-test] libvirtd took " + exit.toMillis() + " ms to exit on SIGTERM");
        fresh = TestLibvirt.open();
        assertTrue(whileDown.get().startsWith("BUSY: ") && whileDown.get().contains("libvirtd"), whileDown.get());

        JsonNode result = done.orTimeout(180, TimeUnit.SECONDS).join();
        assertEquals("done", result.path("state").asText(), result.toString());
        assertEquals(List.of("a"), List.of(result.path("deleted").get(0).asText()), result.toString());

        Domain d = fresh.domainLookupByName(name);
        assertEquals(List.of(chain.get(0), chain.get(2)), ChainAudit.chainFromXml(d.getXMLDesc(0), "vda"));
        ChainAudit.assertTruth(name, dom.dir(), target -> chainFromFresh(name, target), ChainAudit.read(home, dom),
                Map.of("b", digests.get("b")));
        d.destroy(); // QEMU flushes as it exits: the files then show what the guest saw
        assertEquals(live, ImageContent.digest(chain.get(0)), "what the guest sees");
        assertTrue(daemon.isAlive(), "virtchaind rode out the libvirtd restart");
        assertTrue(daemon.output().contains("reconnected to libvirtd"), "the daemon lost libvirtd and came back:\n"
                + daemon.tail());
    }

    private List<Path> chainFromFresh(String name, String target) {
        try {
            return ChainAudit.chainFromXml(fresh.domainLookupByName(name).getXMLDesc(0), target);
        } catch (LibvirtException e) {
            throw new AssertionError("cannot read the XML of " + name, e);
        }
    }

    /** Waits until {@code status} shows the commit under way, partly done. */
    private void awaitJobProgress(String name) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (Instant.now().isBefore(deadline)) {
            for (JsonNode j : daemon.require("status", DaemonProcess.args()).path("jobs")) {
                if (j.path("domain").asText().equals(name) && j.path("done").asLong() > 0
                        && j.path("done").asLong() < j.path("total").asLong()) {
                    return;
                }
            }
            DaemonProcess.sleep(100);
        }
        throw new AssertionError("the commit did not show progress within 30 s; the daemon's log ends:\n"
                + daemon.tail());
    }
}
