package dev.virtchain.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Linux test guest boots, writes records on both disks, and its agent freezes them. */
class RealGuestIT {

    @Test
    void bootsWritesAndFreezesThroughItsAgent() {
        try (RealGuest guest = RealGuest.builder().disks(2).create()) {
            TestDomain dom = guest.domain();
            guest.awaitMoreRecords(40, Duration.ofSeconds(60));
            assertTrue(guest.agent("{\"execute\":\"guest-ping\"}").contains("return"));

            // A crash-consistent point in time: whole records in sequence once the journal is replayed.
            Path vda0 = dom.activeImage("vda");
            Path vdb0 = dom.activeImage("vdb");
            dom.externalSnapshot(Map.of("vda", dom.dir().resolve("vda.1.qcow2"), "vdb", dom.dir().resolve("vdb.1.qcow2")));
            GuestRecords.PointInTime a = GuestRecords.crashConsistent(vda0, "qcow2", "vda");
            GuestRecords.PointInTime b = GuestRecords.crashConsistent(vdb0, "qcow2", "vdb");
            assertTrue(a.last() >= 40, "records written: " + a.last());
            assertTrue(a.last() - b.last() == 0 || a.last() - b.last() == 1,
                    "both disks were taken at once: vda " + a.last() + ", vdb " + b.last());
            assertEquals(1, a.first());

            // Frozen by the agent, a point in time is clean without replay.
            guest.awaitMoreRecords(20, Duration.ofSeconds(60));
            assertTrue(guest.agent("{\"execute\":\"guest-fsfreeze-freeze\"}").contains("\"return\":2"));
            Path vda1 = dom.activeImage("vda");
            try {
                dom.externalSnapshot(Map.of("vda", dom.dir().resolve("vda.2.qcow2"), "vdb", dom.dir().resolve("vdb.2.qcow2")));
            } finally {
                guest.agent("{\"execute\":\"guest-fsfreeze-thaw\"}");
            }
            GuestRecords.PointInTime q = GuestRecords.clean(vda1, "qcow2", "vda");
            assertTrue(q.last() > a.last(), "the writer went on: " + q.last() + " after " + a.last());
            assertEquals(List.of(vda1.resolveSibling("vda.2.qcow2"), vda1, vda0), dom.chain("vda"));
            long after = guest.awaitMoreRecords(20, Duration.ofSeconds(60));
            assertTrue(after > q.last(), "the writer runs on after the thaw");
        }
    }

    @Test
    void aTornOrForeignRecordIsFound() {
        String good = "vda 00000001 0000001000 " + String.format("%08x", GuestRecords.checkSum(1, 1000, 1)) + "\n";
        assertEquals(1, GuestRecords.parse("vda", Path.of("x"), good, false).last());
        org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
                () -> GuestRecords.parse("vda", Path.of("x"), good.replace("1000", "1001"), false));
        org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
                () -> GuestRecords.parse("vdb", Path.of("x"), good, false));
        org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
                () -> GuestRecords.parse("vda", Path.of("x"), good + good, false));
        org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
                () -> GuestRecords.parse("vda", Path.of("x"), good + "vda 0000", false));
    }
}
