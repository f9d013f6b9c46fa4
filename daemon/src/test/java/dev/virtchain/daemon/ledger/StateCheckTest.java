package dev.virtchain.daemon.ledger;

import static dev.virtchain.daemon.ledger.LedgerStoreTest.CLOCK;
import static dev.virtchain.daemon.ledger.LedgerStoreTest.UUID;
import static dev.virtchain.daemon.ledger.LedgerStoreTest.sampleLedger;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtchain.daemon.store.StateLock;
import dev.virtchain.daemon.store.TrustedDirectory;
import dev.virtchain.model.Disk;
import dev.virtchain.model.DomainId;
import dev.virtchain.model.ImageFormat;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.plan.Step;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code virtchaind --check-state}: what it prints, its exit status, and that it changes nothing. */
class StateCheckTest {
    static final String OTHER = "0a7e58c2-1111-4c1e-9a33-0e1f2a3b4c5d";
    static final String THIRD = "0b7e58c2-2222-4c1e-9a33-0e1f2a3b4c5d";
    static final String FOURTH = "0c7e58c2-3333-4c1e-9a33-0e1f2a3b4c5d";

    @TempDir Path state;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private int check() {
        out.reset();
        return StateCheck.run(state, new PrintStream(out, true, StandardCharsets.UTF_8));
    }

    private String printed() {
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The sample ledger without its tombstone (whose image is not in the tree): one that keeps every rule. */
    private static Ledger ledgerOf(String name, String uuid) {
        Ledger l = sampleLedger();
        Ledger valid = new Ledger(l.schemaVersion(), new DomainId(name, uuid), l.disks(), l.snapshots(), List.of(),
                l.current(), l.nextImageSeq());
        assertEquals(List.of(), valid.check());
        return valid;
    }

    @Test
    void goodLedgersArePrintedAndExit0() {
        LedgerStore store = new LedgerStore(state, CLOCK);
        StoredLedger g1 = store.save(StoredLedger.idle(ledgerOf("web1", UUID)));
        OperationRecord op = OperationRecord.begin("op-0badcafe", "create", "create snapshot s2", CLOCK.instant(),
                List.of(new Step.CreateOverlay("vda", "/img/web1.vda.3.qcow2", "/img/web1.vda.2.qcow2",
                        ImageFormat.QCOW2))).starting();
        store.save(g1.with(op));
        store.save(StoredLedger.idle(ledgerOf("db1", OTHER)));

        assertEquals(0, check(), printed());
        String p = printed();
        assertTrue(p.contains("state directory " + state.toAbsolutePath() + ": no virtchaind holds it"), p);
        assertTrue(p.contains("ledger " + UUID + ": domain web1"), p);
        assertTrue(p.contains("current  " + UUID + ".xml: generation 2, format 2, checksum OK"), p);
        assertTrue(p.contains("previous " + UUID + ".xml.prev: generation 1, format 2, checksum OK"), p);
        assertTrue(p.contains("previous " + OTHER + ".xml.prev: absent"), p);
        assertTrue(p.contains("disk vda: active /img/web1.vda.2.qcow2, 3 images"), p);
        assertTrue(p.contains("s0  2026-11-20T05:00:00Z  crash  vda=/img/web1.qcow2 vdb=/img/web1-data.img"
                + "  held by audit  base of clones web1-test"), p);
        assertTrue(p.contains("operation in progress: op-0badcafe (create: create snapshot s2)"), p);
        assertTrue(p.contains("step 1 of 1 (CreateOverlay) may be under way"), p);
        assertTrue(p.contains("ledger " + OTHER + ": domain db1"), p);
        assertTrue(p.contains("invariants: OK"), p);
        assertTrue(p.endsWith("2 ledgers, all good\n"), p);
    }

    @Test
    void everyKindOfProblemIsPrintedAndExit1AndNothingChanges() throws IOException {
        LedgerStore store = new LedgerStore(state, CLOCK);
        Path ledgers = state.resolve("ledgers");
        // web1: current damaged, previous good -> the daemon would fall back; still a problem.
        StoredLedger g1 = store.save(StoredLedger.idle(ledgerOf("web1", UUID)));
        store.save(g1.with(ledgerOf("web1", UUID).withCurrent("s0")));
        flip(store.fileOf(UUID), -3);
        // db1: both generations bad.
        StoredLedger d1 = store.save(StoredLedger.idle(ledgerOf("db1", OTHER)));
        store.save(d1.with(ledgerOf("db1", OTHER).withCurrent("s0")));
        flip(store.fileOf(OTHER), 40);
        Files.write(store.previousOf(OTHER), Arrays.copyOf(Files.readAllBytes(store.previousOf(OTHER)), 31));
        // mail: a ledger breaking its own rules (a holder that is the active image).
        Ledger bad = ledgerOf("mail", FOURTH);
        Disk vda = bad.disks().get(0);
        bad = bad.withHolderMoved("s1", "vda", vda.active());
        Files.write(store.fileOf(FOURTH), new LedgerCodec().write(StoredLedger.idle(bad).atVersion(4)));
        // a good ledger of web1, copied under another domain's UUID.
        Files.write(store.fileOf(THIRD), new LedgerCodec().write(StoredLedger.idle(ledgerOf("web1", UUID)).atVersion(4)));
        // Left-overs.
        Files.writeString(ledgers.resolve("." + UUID + ".xml.123.tmp"), "half");
        Files.writeString(ledgers.resolve("notes.txt"), "mine\u001b[31m");
        Map<String, byte[]> before = contents(state);

        assertEquals(1, check(), printed());
        String p = printed();
        assertTrue(p.contains("current  " + UUID + ".xml: DAMAGED: ledger file " + store.fileOf(UUID)
                + ": checksum mismatch"), p);
        assertTrue(p.contains("shown below: the previous generation"), p);
        assertTrue(p.contains("previous " + OTHER + ".xml.prev: DAMAGED"), p);
        assertTrue(p.contains("cannot be read in either generation"), p);
        assertTrue(p.contains("is the active image, which is not a point in time"), p);
        assertTrue(p.contains("it is the ledger of domain web1 (UUID " + UUID + "), not of the domain its name gives"
                + " (UUID " + THIRD + ")"), p);
        assertTrue(p.contains("temporary file of a save"), p);
        assertTrue(p.contains("notes.txt: not a ledger file"), p);
        assertTrue(p.contains("4 ledgers, 4 problems:"), p);
        assertFalse(p.contains("\u001b"), "control characters are escaped");
        assertEquals(before.keySet(), contents(state).keySet(), "no file added, removed or moved");
        contents(state).forEach((f, bytes) -> assertTrue(Arrays.equals(before.get(f), bytes), f + " unchanged"));
    }

    @Test
    void aNewerFormatIsNamedWithItsVersion() throws IOException {
        LedgerStore store = new LedgerStore(state, CLOCK);
        store.save(StoredLedger.idle(sampleLedger()));
        byte[] file = Files.readAllBytes(store.fileOf(UUID));
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(file);
        b.putInt(8, 3);
        java.util.zip.CRC32C c = new java.util.zip.CRC32C();
        c.update(file, 0, 12);
        b.putInt(12, (int) c.getValue());
        Files.write(store.fileOf(UUID), file);
        assertEquals(1, check());
        assertTrue(printed().contains("NEWER FORMAT: ledger file " + store.fileOf(UUID) + ": format version 3 is unknown"),
                printed());
    }

    @Test
    void aRunningDaemonsLockIsReportedNotTaken() throws IOException {
        new LedgerStore(state, CLOCK).save(StoredLedger.idle(ledgerOf("web1", UUID)));
        long pid = ProcessHandle.current().pid();
        try (StateLock held = StateLock.acquire(state, TrustedDirectory.forThisProcess(), pid)) {
            assertEquals(0, check(), printed());
            assertTrue(printed().contains("in use by virtchaind pid " + pid + "; reading anyway"), printed());
            assertTrue(held.held(), "the daemon keeps its lock");
        }
        assertEquals(0, check());
        assertTrue(printed().contains("no virtchaind holds it"), printed());
    }

    @Test
    void aMissingStateDirectoryIsAProblemAndIsNotCreated() {
        Path missing = state.resolve("nope");
        out.reset();
        assertEquals(1, StateCheck.run(missing, new PrintStream(out, true, StandardCharsets.UTF_8)));
        assertTrue(printed().contains(missing + " does not exist"), printed());
        assertFalse(Files.exists(missing));
    }

    private static void flip(Path f, int at) throws IOException {
        byte[] b = Files.readAllBytes(f);
        int i = at < 0 ? b.length + at : at;
        b[i] ^= 0x01;
        Files.write(f, b);
    }

    private static Map<String, byte[]> contents(Path dir) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path f : all.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(f).toString(), Files.readAllBytes(f));
            }
        }
        return out;
    }
}
