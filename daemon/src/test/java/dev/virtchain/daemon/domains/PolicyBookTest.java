package dev.virtchain.daemon.domains;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtchain.daemon.schedule.Assignment;
import dev.virtchain.libvirt.Involved;
import dev.virtchain.libvirt.LibvirtUnreachableException;
import dev.virtchain.libvirt.xml.PolicyMetadata;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A domain's metadata policy is read from libvirt once and again only after its own event or
 * policy change: assignments are recomputed after every event on the host, and each read is a
 * libvirt call.
 */
class PolicyBookTest {
    private final List<String> reads = new ArrayList<>();
    private final Map<String, PolicyMetadata> stored = new HashMap<>();
    private final Map<String, RuntimeException> failing = new HashMap<>();
    private final PolicyBook book = new PolicyBook(List.of(), new MetadataPolicies(d -> {
        reads.add(d);
        RuntimeException e = failing.remove(d);
        if (e != null) {
            throw e;
        }
        return Optional.ofNullable(stored.get(d));
    }));

    private static PolicyMetadata keepLast(int n) {
        return new PolicyMetadata("@hourly", n, 0, 0, 0, 0, 0, 0, PolicyMetadata.Quiesce.AUTO);
    }

    private List<String> assigned(List<String> domains) {
        return book.assignments(domains).stream().map(a -> a.domain() + ":" + a.policy().retention().keepLast()).toList();
    }

    @Test
    void eachDomainIsReadOnceUntilItIsForgotten() {
        stored.put("a", keepLast(3));
        assertEquals(List.of("a:3"), assigned(List.of("a", "b", "c")));
        assertEquals(List.of("a:3"), assigned(List.of("a", "b", "c")));
        assertEquals(List.of("a", "b", "c"), reads, "the second round asked libvirt nothing");
        assertEquals(1, book.policiesFor("a").size());
        assertEquals(3, reads.size(), "policiesFor uses what is known");

        stored.put("a", keepLast(5));
        stored.put("b", keepLast(2));
        book.forget("a");
        assertEquals(List.of("a:5"), assigned(List.of("a", "b", "c")), "b's change is not seen until b is forgotten");
        assertEquals(List.of("a", "b", "c", "a"), reads);
        book.forget("b");
        assertEquals(List.of("a:5", "b:2"), assigned(List.of("a", "b", "c")));
    }

    @Test
    void aFailedReadIsReportedAndTriedAgainAndGoneDomainsAreForgotten() {
        stored.put("a", keepLast(3));
        failing.put("a", new IllegalStateException("metadata of a is not XML"));
        assertEquals(List.of(), assigned(List.of("a")));
        assertTrue(book.problems().get("a").contains("not XML"), book.problems().toString());
        assertEquals(List.of("a:3"), assigned(List.of("a")), "the failure was not kept");
        assertEquals(Map.of(), book.problems());

        assigned(List.of("b"));
        reads.clear();
        assigned(List.of("a", "b"));
        assertEquals(List.of("a"), reads, "a left libvirt's list and was read again when it came back");
    }

    /**
     * A dropped connection is no domain's problem: recording one per domain would drop every
     * metadata policy from the schedule (and log a line per domain, as a stop during start did).
     */
    @Test
    void aLostConnectionFailsTheWholeAssignment() {
        stored.put("a", keepLast(3));
        stored.put("c", keepLast(4));
        failing.put("b", new LibvirtUnreachableException("not connected to libvirtd", Involved.domain("b"), null));
        assertThrows(LibvirtUnreachableException.class, () -> book.assignments(List.of("a", "b", "c")));
        assertEquals(List.of("a", "b"), reads, "nothing was asked after the connection was found lost");
        assertEquals(Map.of(), book.problems());
        assertEquals(List.of("a:3", "c:4"), assigned(List.of("a", "b", "c")), "the next assignment reads them again");
    }

    @Test
    void anAssignmentNamesTheMetadataPolicy() {
        stored.put("a", keepLast(3));
        Assignment a = book.assignments(List.of("a")).get(0);
        assertEquals(SnapshotPolicy.METADATA_POLICY, a.policy().name());
    }
}
