package dev.virtchain.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The ledger's rules, one broken at a time. */
class LedgerTest {
    static final Instant T = Instant.parse("2025-01-01T00:00:00Z");

    /** {@code /i/a <- /i/b <- /i/c^}, S0→a, S1→b. */
    static Ledger chain() {
        Disk d = new Disk("vda", List.of(Image.base("/i/a", ImageFormat.RAW), Image.overlay("/i/b", "/i/a"),
                Image.overlay("/i/c", "/i/b")), "/i/c");
        return new Ledger(1, new DomainId("vm", "u"), List.of(d), List.of(
                snap("S0", null, "/i/a"), snap("S1", "S0", "/i/b")), List.of(), "S1", 3);
    }

    static Snapshot snap(String name, String parent, String holder) {
        return Snapshot.of(name, T, parent, Map.of("vda", holder), Consistency.CRASH, Origin.manual(), null);
    }

    static void assertBroken(Ledger l, String violation) {
        List<String> v = l.check();
        assertTrue(v.contains(violation), () -> "expected " + violation + " in " + v);
        InvariantViolation e = assertThrows(InvariantViolation.class, l::requireValid);
        assertEquals(v, e.violations());
    }

    @Test
    void aWellFormedLedgerPasses() {
        assertEquals(List.of(), chain().check());
        assertEquals(List.of("/i/c", "/i/b", "/i/a"), chain().activeChain("vda"));
    }

    @Test
    void holdersAreInTheTreeAndNeverActive() {
        assertBroken(chain().withHolderMoved("S1", "vda", "/i/zz"),
                "snapshot S1: holder /i/zz of disk vda is not in the disk's tree");
        assertBroken(chain().withHolderMoved("S1", "vda", "/i/c"),
                "snapshot S1: holder /i/c of disk vda is the active image, which is not a point in time");
        assertBroken(chain().withHolderMoved("S1", "vda", "/i/a"), "snapshots S0 and S1 share holder /i/a of disk vda");
    }

    @Test
    void backingsStayInTheTreeWithoutCycles() {
        assertBroken(chain().withBackingRewritten("vda", "/i/b", "/x/elsewhere"),
                "disk vda: image /i/b is backed by /x/elsewhere, which is not in the disk's tree");
        assertBroken(chain().withBackingRewritten("vda", "/i/a", "/i/c"),
                "disk vda: backing chain through /i/a is a cycle");
        assertBroken(chain().withActive("vda", "/i/nope"), "disk vda: active image /i/nope is not in the disk's tree");
    }

    @Test
    void everyImageIsNeededByAPointInTimeATombstoneOrTheActiveImage() {
        Ledger l = chain().withImage("vda", Image.overlay("/i/orphan", "/i/b"));
        assertBroken(l, "disk vda: image /i/orphan holds no snapshot, is no tombstone and is not below one or below "
                + "the active image");
        assertEquals(List.of(), l.withTombstone(new Tombstone("vda", "/i/orphan", "gone", "test")).check());
    }

    @Test
    void snapshotNamesParentsAndCurrent() {
        assertBroken(chain().withSnapshot(snap("S1", "S0", "/i/a")), "snapshot S1 is listed twice");
        assertBroken(chain().withSnapshotReplaced(snap("S1", "S9", "/i/b")),
                "snapshot S1 has parent S9, which does not exist");
        assertBroken(chain().withCurrent("S9"), "current snapshot S9 does not exist");
        assertBroken(chain().withSnapshotReplaced(snap("S0", "S1", "/i/a")), "snapshot parents through S0 form a cycle");
        Ledger bad = chain().withSnapshot(new Snapshot("x\ny", T, null, Map.of("vda", "/i/b"), Consistency.CRASH,
                Origin.manual(), null, java.util.Set.of(), java.util.Set.of()));
        assertTrue(bad.check().contains("snapshot name \"x\\u000ay\" is invalid: it contains the character U+000A at position 2"));
        assertBroken(chain().withSnapshot(Snapshot.of("S2", T, "S1", Map.of("vdb", "/i/b"), Consistency.CRASH,
                Origin.manual(), null)), "snapshot S2 has a holder for disk vdb, which does not exist");
    }

    @Test
    void tombstonesAreNeverLiveHolders() {
        assertBroken(chain().withTombstone(new Tombstone("vda", "/i/b", "old", "test")),
                "tombstone /i/b of disk vda is the holder of live snapshot S1");
    }

    @Test
    void deletingASnapshotReparentsItsChildrenAndMovesCurrent() {
        Ledger l = chain().withSnapshot(snap("S2", "S1", "/i/c")).withoutSnapshot("S1");
        assertEquals("S0", l.requireSnapshot("S2").parent());
        Ledger m = chain().withoutSnapshot("S1");
        assertEquals("S0", m.current());
    }

    @Test
    void nameRule() {
        assertTrue(Names.isValid("daily-2025.01.01T00:00+0000_x"));
        assertTrue(Names.isValid("a".repeat(128)));
        assertFalse(Names.isValid("a".repeat(129)));
        assertFalse(Names.isValid(".hidden"));
        assertFalse(Names.isValid("../x"));
        assertFalse(Names.isValid("tab\there"));
        assertFalse(Names.isValid("ünï"));
        assertFalse(Names.isValid(""));
    }
}
