package dev.virtchain.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtchain.libvirt.xml.PolicyMetadata;
import dev.virtchain.libvirt.xml.PolicyMetadataXml;
import dev.virtchain.testing.TestDomain;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Domains, metadata and lifecycle events through the façade on a real libvirtd. */
class HostIT {
    private static LibvirtHost host;

    @BeforeAll
    static void connect() {
        host = TestHosts.open();
    }

    @AfterAll
    static void disconnect() {
        host.close();
    }

    @Test
    void lifecycleEventsReachTheListenerAndDomainsAreListed() {
        List<DomainLifecycleEvent> all = new CopyOnWriteArrayList<>();
        host.addLifecycleListener(all::add);
        String name;
        String uuid;
        try (TestDomain dom = TestDomain.builder().running(false).create()) {
            name = dom.name();
            DomainSummary summary = host.listDomains().stream().filter(d -> d.name().equals(name)).findFirst().orElseThrow();
            assertFalse(summary.running());
            assertTrue(summary.persistent());
            uuid = summary.uuid();
            host.start(name);
            assertTrue(host.isRunning(name));
            host.stop(name);
        }
        BlockJobBehaviourIT.waitUntil(() -> kinds(all, name).contains(DomainLifecycleEvent.Kind.UNDEFINED),
                Duration.ofSeconds(10), "an UNDEFINED event");
        // libvirt also reports RESUMED around a start; those arrive as OTHER.
        assertEquals(List.of(DomainLifecycleEvent.Kind.DEFINED, DomainLifecycleEvent.Kind.STARTED,
                DomainLifecycleEvent.Kind.STOPPED, DomainLifecycleEvent.Kind.UNDEFINED), kinds(all, name));
        assertTrue(all.stream().filter(e -> e.domain().equals(name)).allMatch(e -> e.uuid().equals(uuid)));
    }

    @Test
    void diskUsageReportsCapacityAndTheActiveImagesGrowingAllocation() {
        try (TestDomain dom = TestDomain.builder().create()) {
            DiskUsage empty = host.diskUsage(dom.name(), "vda");
            assertEquals(64L << 20, empty.capacity(), "the size the guest sees");
            dom.write("vda", 0x6b, "0", "4M");
            DiskUsage written = host.diskUsage(dom.name(), "vda");
            assertEquals(64L << 20, written.capacity());
            assertTrue(written.allocation() >= empty.allocation() + (4L << 20),
                    "4 MiB written must show in the allocation: " + empty + " then " + written);
        }
    }

    private static List<DomainLifecycleEvent.Kind> kinds(List<DomainLifecycleEvent> events, String domain) {
        return events.stream().filter(e -> e.domain().equals(domain)).map(DomainLifecycleEvent::kind)
                .filter(k -> k != DomainLifecycleEvent.Kind.OTHER).toList();
    }

    @Test
    void metadataIsWrittenToTheLiveAndPersistentDefinitionsAndRemoved() {
        try (TestDomain dom = TestDomain.builder().create()) {
            assertEquals(Optional.empty(), host.readPolicy(dom.name()));
            PolicyMetadata policy = new PolicyMetadata("0 0 * * * ?", 0, 24, 7, 0, 0, 0, 8, PolicyMetadata.Quiesce.AUTO);
            host.writePolicy(dom.name(), policy);
            assertEquals(Optional.of(policy), host.readPolicy(dom.name()));
            assertEquals(Optional.of(policy), PolicyMetadataXml.fromDomainXml(host.domainXml(dom.name())), "live definition");
            assertEquals(Optional.of(policy), PolicyMetadataXml.fromDomainXml(host.inactiveXml(dom.name())), "persistent definition");

            dom.stop();
            assertEquals(Optional.of(policy), host.readPolicy(dom.name()), "survives a stop");
            PolicyMetadata changed = new PolicyMetadata(null, 3, 0, 0, 0, 0, 0, 0, PolicyMetadata.Quiesce.OFF);
            host.writePolicy(dom.name(), changed);
            assertEquals(Optional.of(changed), host.readPolicy(dom.name()), "a shut-off domain's policy is replaced too");
            host.writePolicy(dom.name(), null);
            assertEquals(Optional.empty(), host.readPolicy(dom.name()));
        }
    }

    @Test
    void errorsNameTheDomain() {
        DomainNotFoundException e = assertThrows(DomainNotFoundException.class, () -> host.domainXml("vc-no-such-domain"));
        assertEquals("vc-no-such-domain", e.involved().domain());
        assertEquals("VIR_ERR_NO_DOMAIN", e.libvirtCode().orElseThrow());
        assertFalse(e.getMessage().isBlank());
    }
}
