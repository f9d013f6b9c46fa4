package dev.virtchain.daemon.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

class DiskLocksTest {
    final DiskLocks locks = new DiskLocks();
    final DiskLocks.Holder delete = new DiskLocks.Holder("op-1", "delete snapshots a");
    final DiskLocks.Holder create = new DiskLocks.Holder("op-2", "create snapshot b");

    @Test
    void aBusyDiskNamesTheOperationHoldingIt() {
        assertTrue(locks.tryClaim("web1", Set.of("vda", "vdb"), delete).isEmpty());
        assertEquals(delete, locks.tryClaim("web1", Set.of("vdb"), create).orElseThrow());
        assertTrue(locks.tryClaim("web2", Set.of("vdb"), create).isEmpty(), "other domains are independent");
    }

    @Test
    void aRefusedClaimTakesNothingAndOnlyTheOwnerReleases() {
        assertTrue(locks.tryClaim("web1", Set.of("vdb"), delete).isEmpty());
        assertEquals(delete, locks.tryClaim("web1", Set.of("vda", "vdb"), create).orElseThrow());
        assertTrue(locks.holder("web1", "vda").isEmpty(), "all or nothing: vda was not taken");
        locks.release("web1", Set.of("vdb"), "op-2");
        assertEquals(delete, locks.holder("web1", "vdb").orElseThrow(), "another operation cannot release it");
        locks.release("web1", Set.of("vdb"), "op-1");
        assertTrue(locks.holder("web1", "vdb").isEmpty());
    }
}
