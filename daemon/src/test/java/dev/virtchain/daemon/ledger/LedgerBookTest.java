package dev.virtchain.daemon.ledger;

import static dev.virtchain.daemon.ledger.LedgerStoreTest.CLOCK;
import static dev.virtchain.daemon.ledger.LedgerStoreTest.UUID;
import static dev.virtchain.daemon.ledger.LedgerStoreTest.sampleLedger;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtchain.model.Ledger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Compare-and-set saves: a change made from a stale read fails loudly and writes nothing. */
class LedgerBookTest {
    @TempDir Path state;

    private LedgerStore store;
    private LedgerBook book;

    @BeforeEach
    void open() {
        store = new LedgerStore(state, CLOCK);
        book = new LedgerBook(store, List.of());
    }

    @Test
    void eachSaveReturnsTheNextGenerationToChangeFrom() {
        StoredLedger g1 = book.save(StoredLedger.idle(sampleLedger()));
        assertEquals(1, g1.version());
        StoredLedger g2 = book.save(g1.with(sampleLedger().withCurrent("s0")));
        assertEquals(2, g2.version());
        assertEquals(Optional.of(g2), book.byUuid(UUID));
        assertEquals(g2, store.load(UUID).orElseThrow(), "what the book holds is what the file says");
    }

    @Test
    void byNameFollowsRenamesRetirementAndASecondLedgerOfTheSameName() {
        StoredLedger web1 = book.save(StoredLedger.idle(sampleLedger()));
        assertEquals(Optional.of(web1), book.byName("web1"));
        assertEquals(Optional.empty(), book.byName("web2"));

        StoredLedger renamed = book.save(web1.with(named(sampleLedger(), "web2", UUID)));
        assertEquals(Optional.empty(), book.byName("web1"), "the old name no longer finds it");
        assertEquals(Optional.of(renamed), book.byName("web2"));

        // A domain defined again under a name whose old ledger is not retired yet.
        String other = "6f1c9a3e-0000-4000-8000-000000000002";
        StoredLedger again = book.save(StoredLedger.idle(named(sampleLedger(), "web2", other)));
        assertEquals(Optional.of(again), book.byName("web2"), "the newest ledger of a name answers");
        book.retire(other);
        assertEquals(Optional.of(renamed), book.byName("web2"), "the one left of that name answers");
        book.retire(UUID);
        assertEquals(Optional.empty(), book.byName("web2"));
    }

    private static Ledger named(Ledger l, String name, String uuid) {
        return new Ledger(l.schemaVersion(), new dev.virtchain.model.DomainId(name, uuid), l.disks(), l.snapshots(),
                l.tombstones(), l.current(), l.nextImageSeq());
    }

    @Test
    void aStaleWriteFailsNamingTheDomainAndBothGenerationsAndWritesNothing() throws Exception {
        StoredLedger read = book.save(StoredLedger.idle(sampleLedger()));
        // Another writer changes the ledger after `read` was taken...
        StoredLedger other = book.save(read.with(sampleLedger().withCurrent("s0")));
        byte[] file = Files.readAllBytes(store.fileOf(UUID));
        // ...so a change made from `read` would silently undo it.
        StaleLedger stale = assertThrows(StaleLedger.class, () -> book.save(read.with(sampleLedger().withCurrent(null))));
        assertEquals("web1", stale.domain());
        assertEquals(UUID, stale.uuid());
        assertEquals(1, stale.readVersion());
        assertEquals(2, stale.currentVersion());
        assertTrue(stale.getMessage().contains("domain web1") && stale.getMessage().contains("read at generation 1")
                && stale.getMessage().contains("generation 2 is current"), stale.getMessage());
        assertEquals(Optional.of(other), book.byUuid(UUID), "the other change stands");
        assertArrayEquals(file, Files.readAllBytes(store.fileOf(UUID)), "nothing was written");
    }

    @Test
    void aNewLedgerCannotReplaceOneTheBookHasNorAnyChangeARetiredOne() {
        StoredLedger g1 = book.save(StoredLedger.idle(sampleLedger()));
        StaleLedger twice = assertThrows(StaleLedger.class, () -> book.save(StoredLedger.idle(sampleLedger())));
        assertEquals(0, twice.readVersion());
        assertEquals(1, twice.currentVersion());
        assertTrue(twice.getMessage().contains("it was new"), twice.getMessage());

        book.retire(UUID);
        StaleLedger retired = assertThrows(StaleLedger.class, () -> book.save(g1.with(sampleLedger().withCurrent("s0"))));
        assertEquals(0, retired.currentVersion());
        assertTrue(retired.getMessage().contains("no longer managed"), retired.getMessage());
    }

    @Test
    void theBookStartsFromTheGenerationsOnDisk() {
        StoredLedger g1 = book.save(StoredLedger.idle(sampleLedger()));
        StoredLedger g2 = book.save(g1.with(sampleLedger().withCurrent("s0")));
        LedgerBook restarted = new LedgerBook(store, store.loadAll().ledgers());
        assertEquals(Optional.of(g2), restarted.byUuid(UUID));
        assertThrows(StaleLedger.class, () -> restarted.save(g1.with(sampleLedger())));
        assertEquals(3, restarted.save(restarted.byUuid(UUID).orElseThrow().with(sampleLedger())).version());
    }

    /** The same writers with read-then-save: the races that silently lost holds now fail, loudly. */
    @Test
    void racingReadThenSaveFailsInsteadOfLosingAWrite() throws Exception {
        book.save(StoredLedger.idle(sampleLedger()));
        StoredLedger a = book.byUuid(UUID).orElseThrow();
        StoredLedger b = book.byUuid(UUID).orElseThrow();
        book.save(a.with(a.ledger().withHold("s1", "from-a")));
        assertThrows(StaleLedger.class, () -> book.save(b.with(b.ledger().withHold("s1", "from-b"))));
        assertEquals(List.of("from-a"), List.copyOf(store.load(UUID).orElseThrow().ledger().requireSnapshot("s1").holds()));
    }
}
