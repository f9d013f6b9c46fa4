package dev.virtchain.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.libvirt.event.DomainEvent;
import org.libvirt.event.DomainEventType;
import org.libvirt.event.StartedDetail;
import org.libvirt.event.StoppedDetail;

/** libvirt's lifecycle events as the daemon sees them, and the options' sanity checks. */
class LifecycleKindTest {

    @Test
    void migrationIsToldApartFromAnOrdinaryStartOrStop() {
        assertEquals(DomainLifecycleEvent.Kind.STARTED,
                LibvirtSession.kind(new DomainEvent(DomainEventType.STARTED, StartedDetail.BOOTED.ordinal())));
        assertEquals(DomainLifecycleEvent.Kind.MIGRATED_IN,
                LibvirtSession.kind(new DomainEvent(DomainEventType.STARTED, StartedDetail.MIGRATED.ordinal())));
        assertEquals(DomainLifecycleEvent.Kind.STOPPED,
                LibvirtSession.kind(new DomainEvent(DomainEventType.STOPPED, StoppedDetail.DESTROYED.ordinal())));
        assertEquals(DomainLifecycleEvent.Kind.MIGRATED_OUT,
                LibvirtSession.kind(new DomainEvent(DomainEventType.STOPPED, StoppedDetail.MIGRATED.ordinal())));
        assertEquals(DomainLifecycleEvent.Kind.DEFINED, LibvirtSession.kind(new DomainEvent(DomainEventType.DEFINED, 0)));
        assertEquals(DomainLifecycleEvent.Kind.UNDEFINED, LibvirtSession.kind(new DomainEvent(DomainEventType.UNDEFINED, 0)));
        assertEquals(DomainLifecycleEvent.Kind.OTHER, LibvirtSession.kind(new DomainEvent(DomainEventType.RESUMED, 0)));
    }

    @Test
    void optionsRefuseValuesThatCannotWork() {
        HostOptions d = HostOptions.defaults();
        assertEquals("qemu:///system", d.uri());
        assertThrows(IllegalArgumentException.class, () -> d.withJobPollInterval(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> d.withRetries(0, Duration.ofMillis(1)));
        assertThrows(IllegalArgumentException.class, () -> new HostOptions("qemu:///system", 5, 3,
                Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofMillis(500), 3, Duration.ofMillis(100)));
    }
}
