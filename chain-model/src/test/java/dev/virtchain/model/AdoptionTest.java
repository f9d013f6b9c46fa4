package dev.virtchain.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdoptionTest {
    static final DomainId WEB = new DomainId("web", "0f0806ab-531d-6134-5def-c5b495529286");

    static Adoption.ObservedDisk disk(String target, String... chain) {
        Image[] images = new Image[chain.length];
        for (int i = 0; i < chain.length; i++) {
            images[i] = i == chain.length - 1 ? Image.base(chain[i], ImageFormat.QCOW2) : Image.overlay(chain[i], chain[i + 1]);
        }
        return new Adoption.ObservedDisk(target, List.of(images));
    }

    @Test
    void everyBackingImageBecomesANamedPointInTimeAlignedFromTheTop() {
        Ledger l = Adoption.adopt(WEB, List.of(
                disk("vda", "/i/a.3", "/i/a.2", "/i/a.1", "/i/a"),
                disk("vdb", "/i/b.2", "/i/b.1", "/i/b")),
                Map.of("/i/a", Instant.parse("2026-11-01T00:00:00Z"), "/i/a.1", Instant.parse("2026-11-02T00:00:00Z"),
                        "/i/b", Instant.parse("2026-11-02T00:00:05Z"), "/i/a.2", Instant.parse("2026-11-03T00:00:00Z"),
                        "/i/b.1", Instant.parse("2026-11-03T00:00:01Z")));
        assertEquals(List.of("adopted-1", "adopted-2", "adopted-3"), l.snapshots().stream().map(Snapshot::name).toList());
        assertEquals(Map.of("vda", "/i/a"), l.requireSnapshot("adopted-1").holders());
        assertEquals(Map.of("vda", "/i/a.1", "vdb", "/i/b"), l.requireSnapshot("adopted-2").holders());
        assertEquals(Map.of("vda", "/i/a.2", "vdb", "/i/b.1"), l.requireSnapshot("adopted-3").holders());
        assertEquals(Instant.parse("2026-11-03T00:00:01Z"), l.requireSnapshot("adopted-3").created(),
                "dated by the newest of its holders");
        assertEquals("adopted-2", l.requireSnapshot("adopted-3").parent());
        assertEquals("adopted-3", l.current());
        assertEquals("/i/a.3", l.requireDisk("vda").active());
        assertTrue(l.check().isEmpty(), l.check().toString());
    }

    @Test
    void aDomainWithBaseImagesOnlyGetsNoSnapshots() {
        Ledger l = Adoption.adopt(WEB, List.of(disk("vda", "/i/a")), Map.of());
        assertTrue(l.snapshots().isEmpty());
        assertEquals("/i/a", l.requireDisk("vda").active());
    }

    @Test
    void imagesStackedByHandOnTopAreTakenIn() {
        Ledger l = Adoption.adopt(WEB, List.of(disk("vda", "/i/a.1", "/i/a")), Map.of());
        Ledger extended = Adoption.extend(l, List.of(disk("vda", "/i/a.3", "/i/a.2", "/i/a.1", "/i/a")), Map.of()).orElseThrow();
        assertEquals(List.of("adopted-1", "adopted-2", "adopted-3"),
                extended.snapshots().stream().map(Snapshot::name).toList());
        assertEquals(Map.of("vda", "/i/a.1"), extended.requireSnapshot("adopted-2").holders());
        assertEquals(Map.of("vda", "/i/a.2"), extended.requireSnapshot("adopted-3").holders());
        assertEquals("/i/a.3", extended.requireDisk("vda").active());
    }

    @Test
    void chainsRewrittenOtherwiseAreNotGuessedAt() {
        Ledger l = Adoption.adopt(WEB, List.of(disk("vda", "/i/a.2", "/i/a.1", "/i/a")), Map.of());
        assertFalse(Adoption.extend(l, List.of(disk("vda", "/i/a.2", "/i/a")), Map.of()).isPresent(),
                "a commit done by hand: the ledger cannot know which point in time moved where");
        assertEquals(l, Adoption.extend(l, List.of(disk("vda", "/i/a.2", "/i/a.1", "/i/a")), Map.of()).orElseThrow());
    }
}
