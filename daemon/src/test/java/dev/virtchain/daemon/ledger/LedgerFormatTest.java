package dev.virtchain.daemon.ledger;

import static dev.virtchain.daemon.ledger.LedgerStoreTest.CLOCK;
import static dev.virtchain.daemon.ledger.LedgerStoreTest.UUID;
import static dev.virtchain.daemon.ledger.LedgerStoreTest.sampleLedger;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtchain.model.ImageFormat;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.plan.Step;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ledger file's frame (magic, version, generation, length, CRC32C) and the two generations
 * the store keeps: damage of every kind is detected, the previous generation stands in for a
 * damaged current one, only two bad generations quarantine a domain, a newer format is refused,
 * plain XML from earlier releases loads and is rewritten framed, and every state a crash in the
 * middle of a save leaves loads as one whole generation.
 */
class LedgerFormatTest {
    @TempDir Path state;

    private final LedgerCodec codec = new LedgerCodec();
    private LedgerStore store;
    private Path current;
    private Path previous;

    @BeforeEach
    void open() {
        store = new LedgerStore(state, CLOCK);
        current = store.fileOf(UUID);
        previous = store.previousOf(UUID);
    }

    private static Step.CreateOverlay overlayStep() {
        return new Step.CreateOverlay("vda", "/img/web1.vda.3.qcow2", "/img/web1.vda.2.qcow2", ImageFormat.QCOW2);
    }

    /** Generation 1 idle, generation 2 with an operation whose step 1 is recorded but not started. */
    private StoredLedger twoGenerations() {
        StoredLedger g1 = store.save(StoredLedger.idle(sampleLedger()));
        OperationRecord op = OperationRecord.begin("op-0badcafe", "create", "create snapshot s2", CLOCK.instant(),
                List.of(overlayStep()));
        return store.save(g1.with(op));
    }

    private LedgerFileException.Kind problemOf(byte[] bytes) {
        return assertThrows(LedgerFileException.class, () -> codec.read(bytes, "f")).kind();
    }

    // --- the frame -------------------------------------------------------------------------------

    @Test
    void theHeaderIsMagicVersionChecksumGenerationLengthChecksum() throws IOException {
        StoredLedger saved = store.save(StoredLedger.idle(sampleLedger()));
        byte[] file = Files.readAllBytes(current);
        ByteBuffer b = ByteBuffer.wrap(file);
        assertEquals("VCLEDGER", new String(file, 0, 8, StandardCharsets.US_ASCII));
        assertEquals(2, b.getInt(8));
        assertEquals(crc(file, 0, 12), b.getInt(12));
        assertEquals(1, b.getLong(16));
        assertEquals(file.length - 32, b.getInt(24));
        CRC32C c = new CRC32C();
        c.update(file, 16, 12);
        c.update(file, 32, file.length - 32);
        assertEquals((int) c.getValue(), b.getInt(28));
        String body = new String(file, 32, file.length - 32, StandardCharsets.UTF_8);
        assertTrue(body.startsWith("<?xml") && body.contains("<virtchain-ledger schema=\"1\">"), body);
        assertEquals(saved, codec.read(file, current.toString()));
    }

    @Test
    void everySingleBitFlipAnywhereInTheFileIsDetected() throws IOException {
        twoGenerations();
        byte[] good = Files.readAllBytes(current);
        int detected = 0;
        for (int i = 0; i < good.length; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] bad = good.clone();
                bad[i] ^= (byte) (1 << bit);
                LedgerFileException e = assertThrows(LedgerFileException.class, () -> codec.read(bad, "f"),
                        "byte " + i + " bit " + bit);
                assertEquals(LedgerFileException.Kind.DAMAGED, e.kind(), "byte " + i + " bit " + bit + ": " + e.getMessage());
                detected++;
            }
        }
        assertEquals(good.length * 8, detected);
    }

    @Test
    void aFlippedBitInTheHeaderAndInTheBodyAreNamed() throws IOException {
        twoGenerations();
        byte[] good = Files.readAllBytes(current);
        byte[] version = good.clone();
        version[11] ^= 1; // format version 2 -> 3: the prefix checksum says it is damage, not a newer format
        LedgerFileException v = assertThrows(LedgerFileException.class, () -> codec.read(version, "web1.xml"));
        assertEquals(LedgerFileException.Kind.DAMAGED, v.kind());
        assertTrue(v.getMessage().contains("web1.xml: header checksum mismatch"), v.getMessage());
        byte[] generation = good.clone();
        generation[23] ^= 4;
        assertTrue(assertThrows(LedgerFileException.class, () -> codec.read(generation, "f")).getMessage()
                .contains("checksum mismatch"));
        byte[] body = good.clone();
        body[good.length / 2] ^= 0x10;
        LedgerFileException b = assertThrows(LedgerFileException.class, () -> codec.read(body, "web1.xml"));
        assertTrue(b.getMessage().contains("web1.xml: checksum mismatch (stored "), b.getMessage());
    }

    @Test
    void everyTruncationAndAnyTrailingBytesAreDetected() throws IOException {
        twoGenerations();
        byte[] good = Files.readAllBytes(current);
        for (int length = 0; length < good.length; length++) {
            assertEquals(LedgerFileException.Kind.DAMAGED, problemOf(Arrays.copyOf(good, length)), "length " + length);
        }
        LedgerFileException torn = assertThrows(LedgerFileException.class,
                () -> codec.read(Arrays.copyOf(good, good.length - 100), "web1.xml"));
        assertTrue(torn.getMessage().contains("truncated: the header says " + (good.length - 32) + " bytes"),
                torn.getMessage());
        byte[] longer = Arrays.copyOf(good, good.length + 1);
        assertTrue(assertThrows(LedgerFileException.class, () -> codec.read(longer, "f")).getMessage().contains("torn"));
    }

    @Test
    void anUnknownFormatVersionIsRefusedNamingTheFileAndTheVersion() throws IOException {
        twoGenerations();
        byte[] newer = withVersion(Files.readAllBytes(current), 7);
        Files.write(current, newer);
        LedgerFileException e = assertThrows(LedgerFileException.class, () -> codec.read(newer, current.toString()));
        assertEquals(LedgerFileException.Kind.NEWER, e.kind());
        assertTrue(e.getMessage().contains("ledger file " + current + ": format version 7 is unknown"), e.getMessage());
        assertTrue(e.getMessage().contains("written by a newer virtchaind"), e.getMessage());

        // The previous generation is readable, yet never used in place of a newer file.
        LedgerStore.Loaded loaded = new LedgerStore(state, CLOCK).loadAll();
        assertTrue(loaded.ledgers().isEmpty());
        assertEquals(1, loaded.unreadable().size());
        String problem = loaded.unreadable().get(0).problem();
        assertTrue(problem.contains("format version 7") && problem.contains(current.toString()), problem);
        assertTrue(problem.contains("previous generation is not used"), problem);
        assertArrayEquals(newer, Files.readAllBytes(current), "the newer file is left as it is");
    }

    /** A well-formed header of another version: the prefix checksum recomputed for it. */
    private static byte[] withVersion(byte[] file, int version) {
        byte[] out = file.clone();
        ByteBuffer b = ByteBuffer.wrap(out);
        b.putInt(8, version);
        b.putInt(12, crc(out, 0, 12));
        return out;
    }

    // --- the previous generation -------------------------------------------------------------------

    @Test
    void aDamagedCurrentFileIsReplacedByThePreviousGenerationWithItsOperation() throws IOException {
        // Generation 2 records an operation; generation 3 (the current one) marks its step done.
        StoredLedger g2 = twoGenerations();
        store.save(g2.with(g2.operation().orElseThrow().starting().stepDone()));
        byte[] g3 = Files.readAllBytes(current);
        byte[] flipped = g3.clone();
        flipped[g3.length - 40] ^= 0x01;
        Files.write(current, flipped);

        LedgerStore.Loaded loaded = new LedgerStore(state, CLOCK).loadAll();
        assertTrue(loaded.unreadable().isEmpty(), loaded.unreadable().toString());
        StoredLedger back = loaded.ledgers().get(0);
        assertEquals(sampleLedger(), back.ledger());
        OperationRecord op = back.operation().orElseThrow();
        assertEquals("op-0badcafe", op.id());
        assertEquals(0, op.nextStep());
        assertTrue(op.stepStarted(), "the step the previous generation had not started may have been started since:"
                + " recovery must read the truth before it acts");
        assertEquals(3, back.version(), "generation 2 saved again as generation 3");

        assertEquals(1, loaded.repaired().size());
        String message = loaded.repaired().get(0);
        assertTrue(message.contains(current + ": checksum mismatch"), message);
        assertTrue(message.contains("previous generation " + previous + " (generation 2)"), message);
        assertTrue(message.contains("operation op-0badcafe (create snapshot s2) recovery settles"), message);
        Path aside = current.resolveSibling(UUID + ".xml.damaged-20261121T050000Z");
        assertTrue(message.contains("kept as " + aside), message);
        assertArrayEquals(flipped, Files.readAllBytes(aside), "the damaged file is kept for a post-mortem");

        // The repair is durable: the next start finds a good current file and nothing to repair.
        LedgerStore.Loaded again = new LedgerStore(state, CLOCK).loadAll();
        assertEquals(List.of(back), again.ledgers());
        assertTrue(again.repaired().isEmpty());
        assertEquals(2, codec.read(Files.readAllBytes(previous), "prev").version(), "the good generation stays as previous");
    }

    /** The current file re-framed, checksums and all, around its body with {@code from} replaced by {@code to}. */
    private byte[] reframedWith(String from, String to) throws IOException {
        LedgerFrame.Unwrapped frame = LedgerFrame.unwrap(Files.readAllBytes(current), current.toString());
        String body = new String(frame.body(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(body.contains(from), body);
        return LedgerFrame.wrap(frame.generation(), body.replace(from, to).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /**
     * Intact checksums around a step this virtchaind does not know: the file is damaged, named with
     * its domain, and the previous generation stands in for it.
     */
    @Test
    void anUnknownStepKindIsADamagedFileNamingTheDomainAndTheFile() throws IOException {
        twoGenerations();
        byte[] unknown = reframedWith("\"create-overlay\"", "\"merge-everything\"");
        LedgerFileException e = assertThrows(LedgerFileException.class, () -> codec.read(unknown, current.toString()));
        assertEquals(LedgerFileException.Kind.DAMAGED, e.kind());
        assertEquals(current.toString(), e.file());
        assertEquals("ledger file " + current + ": domain web1: unknown step kind 'merge-everything'", e.getMessage());

        Files.write(current, unknown);
        LedgerStore.Loaded loaded = new LedgerStore(state, CLOCK).loadAll();
        assertTrue(loaded.unreadable().isEmpty(), loaded.unreadable().toString());
        assertEquals(StoredLedger.idle(sampleLedger()).atVersion(2), loaded.ledgers().get(0),
                "generation 1 (idle) saved again as generation 2");
        String message = loaded.repaired().get(0);
        assertTrue(message.contains(current + ": domain web1: unknown step kind 'merge-everything'"), message);
        assertTrue(message.contains("domain web1 goes on from the previous generation"), message);
    }

    /**
     * Intact checksums around XML this virtchaind never writes: an unknown attribute or element, a
     * DTD with an entity, text where none belongs, a second ledger. Each is a damaged file saying
     * what it found; nothing in it is taken.
     */
    @Test
    void xmlTheWriterNeverWritesIsADamagedFileSayingWhat() throws IOException {
        twoGenerations();
        String[][] cases = {
            {"<ledger ", "<ledger owner=\"x\" ", "unknown attribute 'owner' on <ledger>"},
            {"<disks>", "<disks><quota/>", "unknown element <quota>"},
            {"<snapshots>", "<extra/><snapshots>", "unknown element <extra>"},
            {"<virtchain-ledger ", "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/shadow\">]><virtchain-ledger ", ""},
            {"<virtchain-ledger schema=\"1\">", "<virtchain-ledger schema=\"one\">", "'one' is not a whole number"},
            {"</ledger>", "</ledger><ledger/>", "a second <ledger>"},
            {"</virtchain-ledger>", "</virtchain-ledger><virtchain-ledger/>", ""},
        };
        for (String[] c : cases) {
            byte[] bad = reframedWith(c[0], c[1]);
            LedgerFileException e = assertThrows(LedgerFileException.class, () -> codec.read(bad, "f"), c[1]);
            assertEquals(LedgerFileException.Kind.DAMAGED, e.kind(), c[1]);
            assertTrue(e.getMessage().startsWith("ledger file f: not a readable ledger file: " + c[2]), e.getMessage());
        }
        byte[] spaced = reframedWith("<disks>", "<!-- a comment -->\n<disks>");
        assertEquals(codec.read(Files.readAllBytes(current), "f"), codec.read(spaced, "f"), "comments and space are nothing");
    }

    @Test
    void anUnknownImageFormatOrAMissingFieldIsADamagedFile() throws IOException {
        twoGenerations();
        LedgerFileException format = assertThrows(LedgerFileException.class,
                () -> codec.read(reframedWith("\"qcow2\"", "\"vmdk\""), "f"));
        assertEquals(LedgerFileException.Kind.DAMAGED, format.kind());
        assertTrue(format.getMessage().contains("unknown image format 'vmdk'"), format.getMessage());
        LedgerFileException kind = assertThrows(LedgerFileException.class,
                () -> codec.read(reframedWith("kind=\"create-overlay\"", ""), "f"));
        assertEquals(LedgerFileException.Kind.DAMAGED, kind.kind());
        assertEquals("ledger file f: domain web1: step kind is missing", kind.getMessage());
    }

    @Test
    void aTruncatedCurrentFileIsReplacedByThePreviousGeneration() throws IOException {
        twoGenerations();
        byte[] good = Files.readAllBytes(current);
        Files.write(current, Arrays.copyOf(good, 20));
        LedgerStore.Loaded loaded = new LedgerStore(state, CLOCK).loadAll();
        assertEquals(StoredLedger.idle(sampleLedger()).atVersion(2), loaded.ledgers().get(0),
                "generation 1 (idle) saved again as generation 2");
        assertTrue(loaded.repaired().get(0).contains("truncated"), loaded.repaired().get(0));
    }

    @Test
    void bothGenerationsBadQuarantineTheDomainNamingBothFiles() throws IOException {
        twoGenerations();
        byte[] cur = Files.readAllBytes(current);
        cur[40] ^= 0x20;
        Files.write(current, cur);
        Files.delete(previous);
        Files.write(previous, Arrays.copyOf(Files.readAllBytes(current), 10));

        LedgerStore.Loaded loaded = new LedgerStore(state, CLOCK).loadAll();
        assertTrue(loaded.ledgers().isEmpty());
        assertEquals(UUID, loaded.unreadable().get(0).uuid());
        String problem = loaded.unreadable().get(0).problem();
        assertTrue(problem.contains("current ledger file " + current + ": checksum mismatch"), problem);
        assertTrue(problem.contains("previous ledger file " + previous + ": truncated"), problem);
        assertTrue(problem.contains("left alone"), problem);
        assertArrayEquals(cur, Files.readAllBytes(current), "nothing is moved or rewritten");
        assertTrue(loaded.repaired().isEmpty());
    }

    @Test
    void aDamagedCurrentFileWithNoPreviousGenerationQuarantinesNamingTheMissingOne() throws IOException {
        store.save(StoredLedger.idle(sampleLedger()));
        byte[] cur = Files.readAllBytes(current);
        cur[cur.length - 1] ^= 0x02;
        Files.write(current, cur);
        String problem = new LedgerStore(state, CLOCK).loadAll().unreadable().get(0).problem();
        assertTrue(problem.contains(current.toString()) && problem.contains(previous + " does not exist"), problem);
    }

    // --- format 1: the plain XML of earlier releases -------------------------------------------------

    @Test
    void plainXmlFromEarlierReleasesLoadsAndTheNextSaveWritesTheFrame() throws IOException {
        byte[] plain;
        try (InputStream in = getClass().getResourceAsStream("/ledger/format1-plain-xml.xml")) {
            plain = in.readAllBytes();
        }
        Files.write(current, plain);
        LedgerStore.Loaded loaded = new LedgerStore(state, CLOCK).loadAll();
        assertTrue(loaded.unreadable().isEmpty(), loaded.unreadable().toString());
        StoredLedger old = loaded.ledgers().get(0);
        assertEquals(1, old.version(), "a plain XML file counts as generation 1");
        assertEquals("web1", old.ledger().domainName());
        assertEquals("op-0badcafe", old.operation().orElseThrow().id());
        assertArrayEquals(plain, Files.readAllBytes(current), "loading changes nothing");
        assertEquals(LedgerFrame.FORMAT_PLAIN_XML, codec.decode(plain, "f").format());

        Ledger next = old.ledger().withCurrent(null);
        StoredLedger saved = store.save(old.with(next).idle());
        byte[] framed = Files.readAllBytes(current);
        assertEquals("VCLEDGER", new String(framed, 0, 8, StandardCharsets.US_ASCII));
        assertEquals(LedgerFrame.FORMAT_FRAMED, codec.decode(framed, "f").format());
        assertEquals(saved, codec.read(framed, "f"));
        assertArrayEquals(plain, Files.readAllBytes(previous), "the plain file is the previous generation");

        // And a damaged framed file falls back to that plain XML generation.
        framed[framed.length - 5] ^= 0x40;
        Files.write(current, framed);
        StoredLedger fallback = new LedgerStore(state, CLOCK).loadAll().ledgers().get(0);
        assertEquals(old.ledger(), fallback.ledger());
    }

    @Test
    void somethingThatIsNeitherFramedNorXmlIsDamage() {
        assertEquals(LedgerFileException.Kind.DAMAGED, problemOf("not a ledger".getBytes(StandardCharsets.UTF_8)));
        assertEquals(LedgerFileException.Kind.DAMAGED, problemOf(new byte[0]));
        assertEquals(LedgerFileException.Kind.DAMAGED, problemOf("<virtchain-ledger sch".getBytes(StandardCharsets.UTF_8)));
    }

    // --- a crash at each point of a save ----------------------------------------------------------------

    /**
     * The files a crash leaves at each point of a save of generation 3 over generation 2 (see
     * {@link LedgerStore}), each loaded afresh: the domain always loads whole, as generation 2
     * before the final rename and generation 3 after it, and no temporary file survives the load.
     */
    @Test
    void aCrashAtEachPointOfASaveLeavesOneWholeGeneration() throws IOException {
        StoredLedger g2 = twoGenerations();
        byte[] gen1 = Files.readAllBytes(previous);
        byte[] gen2 = Files.readAllBytes(current);
        StoredLedger g3 = g2.with(g2.operation().orElseThrow().starting()).atVersion(3);
        byte[] gen3 = codec.write(g3);
        Path temp = current.resolveSibling("." + UUID + ".xml.8812734.tmp");
        Path link = previous.resolveSibling("." + UUID + ".xml.prev.tmp");

        record Crash(String point, byte[] cur, byte[] prev, byte[] tmp, byte[] lnk, long loads) {}
        List<Crash> crashes = List.of(
                new Crash("temporary file created, nothing written", gen2, gen1, new byte[0], null, 2),
                new Crash("temporary file half written", gen2, gen1, Arrays.copyOf(gen3, gen3.length / 2), null, 2),
                new Crash("temporary file written and synced", gen2, gen1, gen3, null, 2),
                new Crash("current linked as the previous' temporary name", gen2, gen1, gen3, gen2, 2),
                new Crash("link renamed over the previous", gen2, gen2, gen3, null, 2),
                new Crash("temporary file renamed over the current", gen3, gen2, null, null, 3),
                new Crash("power cut undid the previous' rename only", gen3, gen1, null, null, 3));
        for (Crash c : crashes) {
            wipe();
            Files.write(current, c.cur());
            Files.write(previous, c.prev());
            if (c.tmp() != null) {
                Files.write(temp, c.tmp());
            }
            if (c.lnk() != null) {
                Files.write(link, c.lnk());
            }
            LedgerStore.Loaded loaded = new LedgerStore(state, CLOCK).loadAll();
            assertTrue(loaded.unreadable().isEmpty() && loaded.repaired().isEmpty(), c.point() + ": " + loaded);
            assertEquals(List.of(c.loads() == 2 ? g2 : g3), loaded.ledgers(), c.point());
            assertFalse(Files.exists(temp) || Files.exists(link), c.point() + ": temporary files are removed");
            // And the next save goes on from there.
            StoredLedger loadedLedger = loaded.ledgers().get(0);
            StoredLedger after = new LedgerStore(state, CLOCK).save(loadedLedger.idle());
            assertEquals(c.loads() + 1, after.version(), c.point());
            assertEquals(loadedLedger, codec.read(Files.readAllBytes(previous), "prev"), c.point());
        }
    }

    /** A crash after the damaged current file was moved aside, before the previous one was saved again. */
    @Test
    void aCrashInTheMiddleOfARepairRepairsAgain() throws IOException {
        twoGenerations();
        Files.move(current, current.resolveSibling(UUID + ".xml.damaged-20261121T040000Z"));
        LedgerStore.Loaded loaded = new LedgerStore(state, CLOCK).loadAll();
        assertEquals(StoredLedger.idle(sampleLedger()).atVersion(2), loaded.ledgers().get(0));
        assertTrue(loaded.repaired().get(0).contains(current + " is missing"), loaded.repaired().get(0));
    }

    /** A thousand loaded ledgers must not hold each path three times (image, backing, holder). */
    @Test
    void aReadLedgerKeepsEachPathOnce() {
        Ledger read = codec.read(codec.write(StoredLedger.idle(sampleLedger()).atVersion(1)), "f").ledger();
        assertEquals(sampleLedger(), read);
        var vda = read.disk("vda").orElseThrow();
        assertSame(vda.images().get(0).path(), vda.images().get(1).backing());
        assertSame(vda.images().get(1).path(), vda.images().get(2).backing());
        assertSame(vda.images().get(2).path(), vda.active());
        assertSame(vda.images().get(0).path(), read.requireSnapshot("s0").holder("vda"));
        assertSame(vda.images().get(1).path(), read.requireSnapshot("s1").holder("vda"));
        assertSame(read.requireSnapshot("s0").name(), read.requireSnapshot("s1").parent());
    }

    private void wipe() throws IOException {
        try (var files = Files.list(current.getParent())) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
    }

    private static int crc(byte[] bytes, int offset, int length) {
        CRC32C c = new CRC32C();
        c.update(bytes, offset, length);
        return (int) c.getValue();
    }
}
