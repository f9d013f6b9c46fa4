package dev.virtchain.daemon.ledger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtchain.model.Consistency;
import dev.virtchain.model.Disk;
import dev.virtchain.model.DomainId;
import dev.virtchain.model.Image;
import dev.virtchain.model.ImageFormat;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.Origin;
import dev.virtchain.model.Snapshot;
import dev.virtchain.model.Tombstone;
import dev.virtchain.model.plan.QuiesceMode;
import dev.virtchain.model.plan.Step;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LedgerStoreTest {
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-21T05:00:00Z"), ZoneOffset.UTC);
    static final String UUID = "5f0c1a9e-2b1d-4c1e-9a33-0e1f2a3b4c5d";

    @TempDir Path state;

    static Ledger sampleLedger() {
        Disk vda = new Disk("vda", List.of(
                Image.base("/img/web1.qcow2", ImageFormat.QCOW2),
                Image.overlay("/img/web1.vda.1.qcow2", "/img/web1.qcow2"),
                Image.overlay("/img/web1.vda.2.qcow2", "/img/web1.vda.1.qcow2")), "/img/web1.vda.2.qcow2");
        Disk vdb = new Disk("vdb", List.of(
                Image.base("/img/web1-data.img", ImageFormat.RAW),
                Image.overlay("/img/web1.vdb.1.qcow2", "/img/web1-data.img")), "/img/web1.vdb.1.qcow2");
        Snapshot s0 = new Snapshot("s0", Instant.parse("2026-11-20T05:00:00Z"), null,
                Map.of("vda", "/img/web1.qcow2", "vdb", "/img/web1-data.img"), Consistency.CRASH,
                Origin.policy("hourly"), "before the upgrade", Set.of("audit"), Set.of("web1-test"));
        Snapshot s1 = Snapshot.of("s1", Instant.parse("2026-11-21T04:00:00Z"), "s0",
                Map.of("vda", "/img/web1.vda.1.qcow2"), Consistency.CRASH, Origin.manual(), null)
                .withTaken(Consistency.CRASH, "guest agent of web1 did not answer in 5 s",
                        Instant.parse("2026-11-21T04:00:06Z"));
        return new Ledger(Ledger.SCHEMA_VERSION, new DomainId("web1", UUID), List.of(vda, vdb), List.of(s0, s1),
                List.of(new Tombstone("vda", "/img/web1.vda.0.qcow2", "old", "two children")), "s1", 3);
    }

    /** One of every step kind; the count check below breaks when a kind is added without a codec case. */
    static List<Step> everyStep(Ledger l) {
        return List.of(
                new Step.CreateOverlay("vda", "/img/web1.vda.3.qcow2", "/img/web1.vda.2.qcow2", ImageFormat.QCOW2),
                new Step.TakeSnapshot("s2", Map.of("vda", "/img/web1.vda.3.qcow2"), QuiesceMode.AUTO,
                        Map.of("vda", List.of("/img/web1.vda.3.qcow2", "/img/web1.vda.2.qcow2"))),
                new Step.BlockCommit("vda", "/img/web1.vda.2.qcow2", "/img/web1.vda.1.qcow2", false, 65536,
                        "/img", List.of("/img/web1.vda.3.qcow2", "/img/web1.vda.1.qcow2", "/img/web1.qcow2")),
                new Step.Pivot("vda", "/img/web1.vda.1.qcow2", List.of("/img/web1.vda.1.qcow2", "/img/web1.qcow2")),
                new Step.BlockPull("vda", "/img/web1.vda.3.qcow2", null, 1 << 20, "/img",
                        List.of("/img/web1.vda.3.qcow2")),
                new Step.OfflineRebase("vdb", "/img/web1.vdb.1.qcow2", null, true, 4096, "/img"),
                new Step.OfflineCommit("vda", "/img/web1.vda.2.qcow2", "/img/web1.qcow2", 12, "/img"),
                new Step.Convert("vda", "/img/web1.vda.1.qcow2", "/export/web1.qcow2", 99),
                new Step.ConvertDiff("vda", "/img/web1.vda.2.qcow2", "/img/web1.vda.1.qcow2", "/export/d.qcow2", 7),
                new Step.SetDiskSource("vda", "/img/web1.vda.4.qcow2", List.of("/img/web1.vda.4.qcow2", "/img/web1.qcow2")),
                new Step.StopDomain(30),
                new Step.StartDomain(),
                new Step.DefineClone("web1-test", Map.of("vda", "/img/web1-test.vda.1.qcow2"),
                        java.util.UUID.fromString("0b6c3f43-9d0e-4a8e-9a55-6f3c2f1d7e21")),
                new Step.Unlink("vda", "/img/web1.vda.2.qcow2"),
                new Step.UpdateLedger(l.withCurrent("s0")),
                new Step.CreateCopyTarget("vda", "/copies/web1.qcow2", ImageFormat.QCOW2, "/img/web1.vda.1.qcow2",
                        ImageFormat.QCOW2, "/img/web1.vda.2.qcow2"),
                new Step.CreateCopyTarget("vdb", "/copies/web1-data.img", ImageFormat.RAW, null, null,
                        "/img/web1.vdb.1.qcow2"),
                new Step.BlockCopy("vda", "/copies/web1.qcow2", ImageFormat.QCOW2, true, 1 << 16),
                new Step.FinishCopy("vda", "/copies/web1.qcow2", true,
                        List.of("/copies/web1.qcow2", "/img/web1.vda.1.qcow2", "/img/web1.qcow2")));
    }

    @Test
    void ledgerAndOperationSurviveARoundTripThroughTheFile() {
        LedgerStore store = new LedgerStore(state, CLOCK);
        Ledger l = sampleLedger();
        OperationRecord op = OperationRecord.begin("op-1", "delete", "delete snapshots s1", CLOCK.instant(), everyStep(l))
                .starting().stepDone().starting();
        StoredLedger stored = StoredLedger.idle(l).with(op);
        StoredLedger saved = store.save(stored);

        StoredLedger back = store.load(UUID).orElseThrow();
        assertEquals(saved, back);
        assertEquals(1, back.version(), "the first save is generation 1");
        assertEquals(l, back.ledger());
        assertEquals(op, back.operation().orElseThrow());
        assertEquals(1, back.operation().get().nextStep());
        assertTrue(back.operation().get().stepStarted());
    }

    @Test
    void everyStepKindIsCovered() {
        long kinds = java.util.Arrays.stream(Step.Visitor.class.getDeclaredMethods()).count();
        assertEquals(kinds, everyStep(sampleLedger()).stream().map(Object::getClass).distinct().count(),
                "a new step kind needs a case in LedgerCodec");
    }

    @Test
    void saveReplacesTheFileAndLeavesNoTempBehind() throws Exception {
        LedgerStore store = new LedgerStore(state, CLOCK);
        Ledger l = sampleLedger();
        StoredLedger first = store.save(StoredLedger.idle(l));
        store.save(first.with(l.withCurrent("s0")));
        assertEquals("s0", store.load(UUID).orElseThrow().ledger().current());
        assertEquals(2, store.load(UUID).orElseThrow().version());
        try (var files = Files.list(state.resolve("ledgers"))) {
            assertEquals(List.of(UUID + ".xml", UUID + ".xml.prev"),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), "the new file and the one before");
        }
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(state.resolve("ledgers"))));
    }

    /**
     * A ledger file copied (or renamed) under another domain's UUID would have the daemon manage
     * that domain's disks with these chains: it is left alone, named, and never loaded.
     */
    @Test
    void aLedgerFileUnderAnotherDomainsNameIsNotTakenForThatDomain() throws Exception {
        LedgerStore store = new LedgerStore(state, CLOCK);
        store.save(StoredLedger.idle(sampleLedger()));
        String other = "0b6c3f43-9d0e-4a8e-9a55-6f3c2f1d7e21";
        Path ledgers = state.resolve("ledgers");
        Files.copy(ledgers.resolve(UUID + ".xml"), ledgers.resolve(other + ".xml"));

        LedgerStore.Loaded loaded = new LedgerStore(state, CLOCK).loadAll();
        assertEquals(List.of(UUID), loaded.ledgers().stream().map(l -> l.ledger().domain().uuid()).toList());
        assertEquals(1, loaded.unreadable().size());
        LedgerStore.Unreadable u = loaded.unreadable().get(0);
        assertEquals(other, u.uuid());
        assertTrue(u.problem().contains("the ledger of domain web1 (UUID " + UUID + "), not of the domain its name"
                + " gives (UUID " + other + ")"), u.problem());
        assertTrue(Files.exists(ledgers.resolve(other + ".xml")), "left in place");
        assertThrows(LedgerFileException.class, () -> store.load(other));
    }

    @Test
    void aTempFileFromACrashedSaveIsDiscardedAndTheOldLedgerKept() throws Exception {
        LedgerStore store = new LedgerStore(state, CLOCK);
        store.save(StoredLedger.idle(sampleLedger()));
        Files.writeString(state.resolve("ledgers").resolve("." + UUID + ".xml.12345.tmp"), "<virtchain-ledger schema=\"1\"><led");
        LedgerStore.Loaded loaded = new LedgerStore(state, CLOCK).loadAll();
        assertEquals(1, loaded.ledgers().size());
        assertEquals(sampleLedger(), loaded.ledgers().get(0).ledger());
        assertFalse(Files.exists(state.resolve("ledgers").resolve("." + UUID + ".xml.12345.tmp")));
    }

    @Test
    void unreadableFilesAreReportedByNameAndLeftInPlace() throws Exception {
        LedgerStore store = new LedgerStore(state, CLOCK);
        store.save(StoredLedger.idle(sampleLedger()));
        Path bad = state.resolve("ledgers").resolve("0000.xml");
        Files.writeString(bad, "not xml at all");
        LedgerStore.Loaded loaded = store.loadAll();
        assertEquals(1, loaded.ledgers().size());
        assertEquals(1, loaded.unreadable().size());
        assertEquals("0000", loaded.unreadable().get(0).uuid());
        assertTrue(loaded.unreadable().get(0).problem().contains(bad.toString()), loaded.unreadable().get(0).problem());
        assertTrue(Files.exists(bad), "a file we cannot read is never deleted");
    }

    @Test
    void aNewerSchemaOrUnknownAttributeIsRefusedNotHalfRead() {
        LedgerCodec codec = new LedgerCodec();
        String xml = new String(codec.writeXml(StoredLedger.idle(sampleLedger())), StandardCharsets.UTF_8);
        LedgerFileException newer = assertThrows(LedgerFileException.class,
                () -> codec.read(xml.replace("schema=\"1\"", "schema=\"2\"").getBytes(StandardCharsets.UTF_8), "f.xml"));
        assertTrue(newer.getMessage().contains("schema 2 is not 1"), newer.getMessage());
        assertEquals(LedgerFileException.Kind.NEWER, newer.kind());
        LedgerFileException unknown = assertThrows(LedgerFileException.class,
                () -> codec.read(xml.replace("current=\"s1\"", "current=\"s1\" colour=\"red\"").getBytes(StandardCharsets.UTF_8), "f.xml"));
        assertTrue(unknown.getMessage().contains("f.xml"), unknown.getMessage());
        // The same inside the frame: the checksum is right, the schema still unknown.
        byte[] framed = LedgerFrame.wrap(3, xml.replace("schema=\"1\"", "schema=\"2\"").getBytes(StandardCharsets.UTF_8));
        assertEquals(LedgerFileException.Kind.NEWER, assertThrows(LedgerFileException.class,
                () -> codec.read(framed, "f.xml")).kind());
    }

    @Test
    void retireKeepsTheLedgerAsideDated() {
        LedgerStore store = new LedgerStore(state, CLOCK);
        StoredLedger first = store.save(StoredLedger.idle(sampleLedger()));
        store.save(first.with(sampleLedger().withCurrent("s0")));
        Path retired = store.retire(UUID).orElseThrow();
        assertEquals(UUID + "-20261121T050000Z.xml", retired.getFileName().toString());
        assertTrue(Files.exists(retired));
        assertTrue(Files.exists(retired.resolveSibling(UUID + "-20261121T050000Z.xml.prev")), "with its previous generation");
        assertFalse(Files.exists(store.previousOf(UUID)));
        assertTrue(store.load(UUID).isEmpty());
        assertTrue(store.retire(UUID).isEmpty());
    }

    @Test
    void aHostileUuidNeverBecomesAPath() {
        LedgerStore store = new LedgerStore(state, CLOCK);
        assertThrows(IllegalArgumentException.class, () -> store.fileOf("../../etc/passwd"));
    }

    /** The ledger with snapshot s1 described by {@code description}. */
    private static Ledger describedAs(String description) {
        Ledger l = sampleLedger();
        Snapshot s1 = Snapshot.of("s1", Instant.parse("2026-11-21T04:00:00Z"), "s0",
                Map.of("vda", "/img/web1.vda.1.qcow2"), Consistency.CRASH, Origin.manual(), description);
        return new Ledger(l.schemaVersion(), l.domain(), l.disks(), List.of(l.snapshots().get(0), s1), l.tombstones(),
                l.current(), l.nextImageSeq());
    }

    @Test
    void aLedgerThatWouldNotReadBackIsNeverWrittenAndTheOldFileStays() throws Exception {
        LedgerStore store = new LedgerStore(state, CLOCK);
        store.save(StoredLedger.idle(sampleLedger()));
        Path file = store.fileOf(UUID);
        byte[] before = Files.readAllBytes(file);

        // U+FFFE cannot appear in XML: encoded as is, the file would fail to parse at the next start.
        LedgerFileException nonchar = assertThrows(LedgerFileException.class,
                () -> store.save(StoredLedger.idle(describedAs("bad \uFFFE text"))));
        assertTrue(nonchar.getMessage().contains("would not read back"), nonchar.getMessage());
        assertTrue(nonchar.getMessage().contains(file.toString()), nonchar.getMessage());
        assertTrue(nonchar.getMessage().contains("left unchanged"), nonchar.getMessage());
        // A lone surrogate cannot be encoded in UTF-8: it would come back as '?'.
        LedgerFileException surrogate = assertThrows(LedgerFileException.class,
                () -> store.save(StoredLedger.idle(describedAs("bad \uD800 text"))));
        assertTrue(surrogate.getMessage().contains("reads back differently"), surrogate.getMessage());
        // An escape character is not an XML 1.0 character either.
        assertThrows(LedgerFileException.class, () -> store.save(StoredLedger.idle(describedAs("bad \u001B[31m"))));

        assertArrayEquals(before, Files.readAllBytes(file), "the old ledger is untouched");
        try (var files = Files.list(state.resolve("ledgers"))) {
            assertEquals(List.of(UUID + ".xml"), files.map(p -> p.getFileName().toString()).toList(),
                    "no temporary file is left behind");
        }
        assertEquals(sampleLedger(), new LedgerStore(state, CLOCK).loadAll().ledgers().get(0).ledger());
        // and printable text of any script is stored and read back as given
        store.save(StoredLedger.idle(describedAs("caf\u00e9 \uD83D\uDE80 \u65e5\u672c")));
        assertEquals("caf\u00e9 \uD83D\uDE80 \u65e5\u672c",
                store.load(UUID).orElseThrow().ledger().snapshot("s1").orElseThrow().description());
    }
}
