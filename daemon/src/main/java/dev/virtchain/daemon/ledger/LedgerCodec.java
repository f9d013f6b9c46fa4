package dev.virtchain.daemon.ledger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.xml.XmlMapper;
import com.fasterxml.jackson.dataformat.xml.ser.ToXmlGenerator;
import dev.virtchain.daemon.ledger.LedgerDocument.ChainDoc;
import dev.virtchain.daemon.ledger.LedgerDocument.DiskDoc;
import dev.virtchain.daemon.ledger.LedgerDocument.ImageDoc;
import dev.virtchain.daemon.ledger.LedgerDocument.LedgerDoc;
import dev.virtchain.daemon.ledger.LedgerDocument.OperationDoc;
import dev.virtchain.daemon.ledger.LedgerDocument.PairDoc;
import dev.virtchain.daemon.ledger.LedgerDocument.SnapshotDoc;
import dev.virtchain.daemon.ledger.LedgerDocument.StepDoc;
import dev.virtchain.daemon.ledger.LedgerDocument.TombstoneDoc;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Reads and writes a domain's ledger file: a fixed header with a checksum, then one XML document.
 *
 * <p>Layout (format version 2), all integers big-endian:
 * <pre>
 * offset  size  field
 *      0     8  magic: the ASCII bytes "VCLEDGER"
 *      8     4  format version: 2
 *     12     4  CRC32C of bytes 0-11 (magic and version)
 *     16     8  generation: 1 for the first save of a domain, one more on each save
 *     24     4  body length n
 *     28     4  CRC32C of bytes 16-27 followed by the n body bytes
 *     32     n  body: the UTF-8 XML document below; the file ends with it
 * </pre>
 * The first 16 bytes keep this shape in every later version, with their own checksum: a version
 * number that a flipped bit changed reads as damage, and only a well-formed header of a version
 * this code does not know is refused as written by a newer virtchaind ({@link
 * LedgerFileException.Kind#NEWER}, never replaced by an older generation). A file shorter or
 * longer than its header says, or whose checksum does not match, is {@link
 * LedgerFileException.Kind#DAMAGED}. The body is readable as it is ({@code tail -c +33 FILE}).
 *
 * <p>Format version 1 is the same XML with no header, as earlier releases wrote it: a file that
 * starts with {@code <} is read as version 1 (generation 1, no checksum to check), and the next save
 * writes version 2. Existing installations upgrade in place, one ledger at a time.
 *
 * <p>The XML (schema 1), one document per domain:
 * <pre>{@code
 * <virtchain-ledger schema="1">
 *   <ledger domain="web1" uuid="…" current="s2" next-image-seq="7">
 *     <disks><disk target="vda" active="/img/web1.vda.6.qcow2">
 *       <images><image path="/img/web1.qcow2" format="qcow2"/>
 *               <image path="/img/web1.vda.6.qcow2" format="qcow2" backing="/img/web1.qcow2"/></images>
 *     </disk></disks>
 *     <snapshots><snapshot name="s2" created="2026-11-21T05:00:00Z" parent="s1" consistency="crash"
 *                          origin="policy" policy="hourly" consistency-note="guest agent of web1 is not connected">
 *       <holders><holder disk="vda" path="/img/web1.qcow2"/></holders>
 *       <holds><hold>audit</hold></holds><protected-by><clone>web1-test</clone></protected-by>
 *     </snapshot></snapshots>
 *     <tombstones><tombstone disk="vda" image="…" snapshot="s0" reason="…"/></tombstones>
 *   </ledger>
 *   <operation id="op-…" kind="delete" started="…" next-step="2" step-started="true">
 *     <steps><step kind="block-commit" disk="vda" top="…" base="…" active="false" bytes="…"
 *                  directory="…"><chain-after><file>…</file></chain-after></step> …</steps>
 *   </operation>
 * </virtchain-ledger>
 * }</pre>
 * A reader refuses a schema it does not know rather than guess; unknown attributes are errors
 * too, so a newer file is never silently half-read.
 */
public final class LedgerCodec {
    public static final int SCHEMA = 1;

    private final XmlMapper mapper = XmlMapper.builder()
            .enable(ToXmlGenerator.Feature.WRITE_XML_DECLARATION)
            .build();

    /** What a file holds, with the frame's facts that {@code --check-state} shows. */
    public record Decoded(StoredLedger stored, int format) {}

    /** The whole file for {@code stored}, as generation {@code stored.version()}. */
    public byte[] write(StoredLedger stored) {
        return LedgerFrame.wrap(stored.version(), writeXml(stored));
    }

    /** The XML body alone: what format version 1 files hold. */
    byte[] writeXml(StoredLedger stored) {
        LedgerDocument doc = new LedgerDocument();
        doc.schema = SCHEMA;
        doc.ledger = toDoc(stored.ledger());
        doc.operation = stored.operation().map(LedgerCodec::toDoc).orElse(null);
        try {
            return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(doc).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode the ledger of " + stored.ledger().domainName(), e);
        }
    }

    /**
     * Reads a whole file, of either format.
     *
     * @param source names the file in errors
     * @throws LedgerFileException saying whether the file is damaged or from a newer virtchaind
     */
    public StoredLedger read(byte[] bytes, String source) {
        return decode(bytes, source).stored();
    }

    /** As {@link #read}, also saying which format the file had. */
    public Decoded decode(byte[] bytes, String source) {
        LedgerFrame.Unwrapped frame = LedgerFrame.unwrap(bytes, source);
        return new Decoded(readXml(frame.body(), source, frame.generation()), frame.format());
    }

    private StoredLedger readXml(byte[] bytes, String source, long generation) {
        LedgerDocument doc;
        try {
            doc = LedgerXmlReader.read(bytes);
        } catch (javax.xml.stream.XMLStreamException e) {
            throw new LedgerFileException(LedgerFileException.Kind.DAMAGED, source,
                    "not a readable ledger file: " + e.getMessage(), e);
        }
        if (doc.schema == null || doc.schema != SCHEMA) {
            throw new LedgerFileException(doc.schema != null && doc.schema > SCHEMA
                    ? LedgerFileException.Kind.NEWER : LedgerFileException.Kind.DAMAGED, source,
                    "schema " + doc.schema + " is not " + SCHEMA
                    + "; this virtchaind cannot read it (was it written by a newer version?)", null);
        }
        if (doc.ledger == null) {
            throw new LedgerFileException(LedgerFileException.Kind.DAMAGED, source, "has no <ledger> element", null);
        }
        String domain = doc.ledger.domain == null ? "" : "domain " + doc.ledger.domain + ": ";
        try {
            Ledger ledger = fromDoc(doc.ledger);
            Optional<OperationRecord> op = Optional.ofNullable(doc.operation).map(LedgerCodec::fromDoc);
            return new StoredLedger(ledger, op, generation);
        } catch (RuntimeException e) {
            // Undecodable, or a refusal by the model's records, which check what they are built
            // from (names, holders, the ledger's rules): either way the file is not a ledger this
            // virtchaind could have written, and the previous generation may stand in for it.
            throw new LedgerFileException(LedgerFileException.Kind.DAMAGED, source, domain + e.getMessage(), e);
        }
    }

    // --- ledger -----------------------------------------------------------------------------

    static LedgerDoc toDoc(Ledger l) {
        LedgerDoc d = new LedgerDoc();
        d.domain = l.domain().name();
        d.uuid = l.domain().uuid();
        d.current = l.current();
        d.nextImageSeq = l.nextImageSeq();
        for (Disk disk : l.disks()) {
            DiskDoc dd = new DiskDoc();
            dd.target = disk.target();
            dd.active = disk.active();
            for (Image i : disk.images()) {
                ImageDoc id = new ImageDoc();
                id.path = i.path();
                id.format = i.format().qemuName();
                id.backing = i.backing();
                dd.images.add(id);
            }
            d.disks.add(dd);
        }
        for (Snapshot s : l.snapshots()) {
            SnapshotDoc sd = new SnapshotDoc();
            sd.name = s.name();
            sd.created = s.created().toString();
            sd.parent = s.parent();
            sd.consistency = lower(s.consistency());
            sd.consistencyNote = s.consistencyNote();
            sd.origin = lower(s.origin().kind());
            sd.policy = s.origin().policy();
            sd.description = s.description();
            s.holders().forEach((disk, path) -> sd.holders.add(new PairDoc(disk, path)));
            sd.holds.addAll(s.holds());
            sd.protectedBy.addAll(s.protectedBy());
            d.snapshots.add(sd);
        }
        for (Tombstone t : l.tombstones()) {
            TombstoneDoc td = new TombstoneDoc();
            td.disk = t.disk();
            td.image = t.image();
            td.snapshot = t.snapshot();
            td.reason = t.reason();
            d.tombstones.add(td);
        }
        return d;
    }

    /**
     * The ledger a document describes. A path is written several times in a file (as an image,
     * as the backing of the image above it, as a snapshot's holder), and so are disk targets and
     * policy names; each is kept once here, so that a thousand loaded ledgers hold one copy of
     * each text rather than three.
     */
    static Ledger fromDoc(LedgerDoc d) {
        Texts texts = new Texts();
        List<Disk> disks = new ArrayList<>();
        for (DiskDoc dd : nn(d.disks)) {
            List<Image> images = new ArrayList<>();
            for (ImageDoc id : nn(dd.images)) {
                images.add(new Image(texts.one(req(id.path, "image path")), format(id.format), texts.one(id.backing)));
            }
            disks.add(new Disk(texts.one(req(dd.target, "disk target")), images,
                    texts.one(req(dd.active, "active image of " + dd.target))));
        }
        List<Snapshot> snapshots = new ArrayList<>();
        for (SnapshotDoc sd : nn(d.snapshots)) {
            Map<String, String> holders = new LinkedHashMap<>();
            for (PairDoc p : nn(sd.holders)) {
                holders.put(texts.one(req(p.disk, "holder disk")), texts.one(req(p.path, "holder path")));
            }
            Origin.Kind kind = Origin.Kind.valueOf(upper(req(sd.origin, "origin of " + sd.name)));
            Origin origin = texts.origin(kind, texts.one(sd.policy));
            snapshots.add(new Snapshot(texts.one(req(sd.name, "snapshot name")),
                    Instant.parse(req(sd.created, "created of " + sd.name)), texts.one(sd.parent), holders,
                    Consistency.valueOf(upper(req(sd.consistency, "consistency of " + sd.name))),
                    origin, sd.description, texts.all(nn(sd.holds)), texts.all(nn(sd.protectedBy)),
                    sd.consistencyNote));
        }
        List<Tombstone> tombstones = new ArrayList<>();
        for (TombstoneDoc td : nn(d.tombstones)) {
            tombstones.add(new Tombstone(texts.one(td.disk), texts.one(td.image), texts.one(td.snapshot), td.reason));
        }
        return new Ledger(SCHEMA, new DomainId(req(d.domain, "domain"), req(d.uuid, "uuid")), disks, snapshots,
                tombstones, texts.one(d.current), d.nextImageSeq == null ? 0 : d.nextImageSeq);
    }

    /** Equal texts of one document as one instance; equal origins as one object. */
    private static final class Texts {
        private final Map<String, String> seen = new HashMap<>();
        private final Map<Origin, Origin> origins = new HashMap<>();

        String one(String s) {
            return s == null ? null : seen.computeIfAbsent(s, k -> k);
        }

        TreeSet<String> all(List<String> list) {
            TreeSet<String> out = new TreeSet<>();
            list.forEach(s -> out.add(one(s)));
            return out;
        }

        Origin origin(Origin.Kind kind, String policy) {
            return origins.computeIfAbsent(new Origin(kind, policy), k -> k);
        }
    }

    // --- operations ---------------------------------------------------------------------------

    static OperationDoc toDoc(OperationRecord op) {
        OperationDoc d = new OperationDoc();
        d.id = op.id();
        d.kind = op.kind();
        d.description = op.description();
        d.started = op.started().toString();
        d.nextStep = op.nextStep();
        d.stepStarted = op.stepStarted();
        for (Step s : op.steps()) {
            d.steps.add(s.accept(STEP_TO_DOC));
        }
        return d;
    }

    static OperationRecord fromDoc(OperationDoc d) {
        List<Step> steps = new ArrayList<>();
        for (StepDoc s : nn(d.steps)) {
            steps.add(stepFromDoc(s));
        }
        return new OperationRecord(req(d.id, "operation id"), req(d.kind, "operation kind"), d.description,
                Instant.parse(req(d.started, "operation start")), steps, d.nextStep == null ? 0 : d.nextStep,
                Boolean.TRUE.equals(d.stepStarted));
    }

    private static final Step.Visitor<StepDoc> STEP_TO_DOC = new Step.Visitor<>() {
        @Override
        public StepDoc createOverlay(Step.CreateOverlay s) {
            StepDoc d = doc("create-overlay", s.disk());
            d.path = s.path();
            d.backing = s.backing();
            d.backingFormat = s.backingFormat().qemuName();
            return d;
        }

        @Override
        public StepDoc takeSnapshot(Step.TakeSnapshot s) {
            StepDoc d = doc("take-snapshot", null);
            d.snapshot = s.snapshot();
            d.quiesce = lower(s.quiesce());
            s.overlays().forEach((disk, path) -> d.disks.add(new PairDoc(disk, path)));
            s.chainsAfter().forEach((disk, chain) -> d.chainsAfter.add(chain(disk, chain)));
            return d;
        }

        @Override
        public StepDoc blockCommit(Step.BlockCommit s) {
            StepDoc d = doc("block-commit", s.disk());
            d.top = s.top();
            d.base = s.base();
            d.active = s.active();
            d.bytes = s.estimatedBytes();
            d.directory = s.directory();
            d.chainAfter.addAll(s.chainAfter());
            return d;
        }

        @Override
        public StepDoc pivot(Step.Pivot s) {
            StepDoc d = doc("pivot", s.disk());
            d.image = s.newActive();
            d.chainAfter.addAll(s.chainAfter());
            return d;
        }

        @Override
        public StepDoc blockPull(Step.BlockPull s) {
            StepDoc d = doc("block-pull", s.disk());
            d.image = s.image();
            d.base = s.base();
            d.bytes = s.estimatedBytes();
            d.directory = s.directory();
            d.chainAfter.addAll(s.chainAfter());
            return d;
        }

        @Override
        public StepDoc offlineRebase(Step.OfflineRebase s) {
            StepDoc d = doc("offline-rebase", s.disk());
            d.image = s.image();
            d.backing = s.newBacking();
            d.safe = s.safe();
            d.bytes = s.estimatedBytes();
            d.directory = s.directory();
            return d;
        }

        @Override
        public StepDoc offlineCommit(Step.OfflineCommit s) {
            StepDoc d = doc("offline-commit", s.disk());
            d.top = s.top();
            d.base = s.base();
            d.bytes = s.estimatedBytes();
            d.directory = s.directory();
            return d;
        }

        @Override
        public StepDoc convert(Step.Convert s) {
            StepDoc d = doc("convert", s.disk());
            d.source = s.source();
            d.dest = s.dest();
            d.bytes = s.estimatedBytes();
            return d;
        }

        @Override
        public StepDoc convertDiff(Step.ConvertDiff s) {
            StepDoc d = doc("convert-diff", s.disk());
            d.source = s.source();
            d.backing = s.backing();
            d.dest = s.dest();
            d.bytes = s.estimatedBytes();
            return d;
        }

        @Override
        public StepDoc setDiskSource(Step.SetDiskSource s) {
            StepDoc d = doc("set-disk-source", s.disk());
            d.path = s.path();
            d.chainAfter.addAll(s.chainAfter());
            return d;
        }

        @Override
        public StepDoc stopDomain(Step.StopDomain s) {
            StepDoc d = doc("stop-domain", null);
            d.shutdownSeconds = s.graceful() ? s.shutdownSeconds() : null;
            return d;
        }

        @Override
        public StepDoc startDomain(Step.StartDomain s) {
            return doc("start-domain", null);
        }

        @Override
        public StepDoc defineClone(Step.DefineClone s) {
            StepDoc d = doc("define-clone", null);
            d.newDomain = s.newDomain();
            d.newUuid = s.uuid() == null ? null : s.uuid().toString();
            s.disks().forEach((disk, path) -> d.disks.add(new PairDoc(disk, path)));
            return d;
        }

        @Override
        public StepDoc unlink(Step.Unlink s) {
            StepDoc d = doc("unlink", s.disk());
            d.path = s.path();
            return d;
        }

        @Override
        public StepDoc updateLedger(Step.UpdateLedger s) {
            StepDoc d = doc("update-ledger", null);
            d.ledger = toDoc(s.ledger());
            return d;
        }

        @Override
        public StepDoc createCopyTarget(Step.CreateCopyTarget s) {
            StepDoc d = doc("create-copy-target", s.disk());
            d.path = s.path();
            d.format = s.format().qemuName();
            d.backing = s.backing();
            d.backingFormat = s.backingFormat() == null ? null : s.backingFormat().qemuName();
            d.source = s.source();
            return d;
        }

        @Override
        public StepDoc blockCopy(Step.BlockCopy s) {
            StepDoc d = doc("block-copy", s.disk());
            d.dest = s.dest();
            d.format = s.format().qemuName();
            d.shallow = s.shallow();
            d.bytes = s.estimatedBytes();
            return d;
        }

        @Override
        public StepDoc finishCopy(Step.FinishCopy s) {
            StepDoc d = doc("finish-copy", s.disk());
            d.dest = s.dest();
            d.pivot = s.pivot();
            d.chainAfter.addAll(s.chainAfter());
            return d;
        }
    };

    private static Step stepFromDoc(StepDoc d) {
        String kind = req(d.kind, "step kind");
        switch (kind) {
            case "create-overlay":
                return new Step.CreateOverlay(d.disk, d.path, d.backing, format(d.backingFormat));
            case "take-snapshot":
                return new Step.TakeSnapshot(d.snapshot, pairs(d.disks),
                        QuiesceMode.valueOf(upper(req(d.quiesce, "quiesce"))), chains(d.chainsAfter));
            case "block-commit":
                return new Step.BlockCommit(d.disk, d.top, d.base, Boolean.TRUE.equals(d.active), bytes(d),
                        d.directory, nn(d.chainAfter));
            case "pivot":
                return new Step.Pivot(d.disk, d.image, nn(d.chainAfter));
            case "block-pull":
                return new Step.BlockPull(d.disk, d.image, d.base, bytes(d), d.directory, nn(d.chainAfter));
            case "offline-rebase":
                return new Step.OfflineRebase(d.disk, d.image, d.backing, Boolean.TRUE.equals(d.safe), bytes(d),
                        d.directory);
            case "offline-commit":
                return new Step.OfflineCommit(d.disk, d.top, d.base, bytes(d), d.directory);
            case "convert":
                return new Step.Convert(d.disk, d.source, d.dest, bytes(d));
            case "convert-diff":
                return new Step.ConvertDiff(d.disk, d.source, d.backing, d.dest, bytes(d));
            case "set-disk-source":
                return new Step.SetDiskSource(d.disk, d.path, nn(d.chainAfter));
            case "stop-domain":
                return new Step.StopDomain(d.shutdownSeconds == null ? 0 : d.shutdownSeconds);
            case "start-domain":
                return new Step.StartDomain();
            case "define-clone":
                return new Step.DefineClone(d.newDomain, pairs(d.disks),
                        d.newUuid == null ? null : java.util.UUID.fromString(d.newUuid));
            case "unlink":
                return new Step.Unlink(d.disk, d.path);
            case "update-ledger":
                return new Step.UpdateLedger(fromDoc(req(d.ledger, "ledger of an update-ledger step")));
            case "create-copy-target":
                return new Step.CreateCopyTarget(d.disk, d.path, format(d.format), d.backing,
                        d.backingFormat == null ? null : format(d.backingFormat), d.source);
            case "block-copy":
                return new Step.BlockCopy(d.disk, d.dest, format(d.format), Boolean.TRUE.equals(d.shallow), bytes(d));
            case "finish-copy":
                return new Step.FinishCopy(d.disk, d.dest, Boolean.TRUE.equals(d.pivot), nn(d.chainAfter));
            default:
                throw new Undecodable("unknown step kind '" + kind + "'");
        }
    }

    // --- small pieces ---------------------------------------------------------------------------

    /** A field the file must have is missing, or holds a value this codec never writes. */
    private static final class Undecodable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Undecodable(String problem) {
            super(problem);
        }
    }

    private static StepDoc doc(String kind, String disk) {
        StepDoc d = new StepDoc();
        d.kind = kind;
        d.disk = disk;
        return d;
    }

    private static ChainDoc chain(String disk, List<String> images) {
        ChainDoc c = new ChainDoc();
        c.disk = disk;
        c.images.addAll(images);
        return c;
    }

    private static Map<String, String> pairs(List<PairDoc> docs) {
        Map<String, String> m = new LinkedHashMap<>();
        for (PairDoc p : nn(docs)) {
            m.put(p.disk, p.path);
        }
        return m;
    }

    private static Map<String, List<String>> chains(List<ChainDoc> docs) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (ChainDoc c : nn(docs)) {
            m.put(c.disk, nn(c.images));
        }
        return m;
    }

    private static long bytes(StepDoc d) {
        return d.bytes == null ? 0 : d.bytes;
    }

    private static ImageFormat format(String qemuName) {
        for (ImageFormat f : ImageFormat.values()) {
            if (f.qemuName().equals(qemuName)) {
                return f;
            }
        }
        throw new Undecodable("unknown image format '" + qemuName + "'");
    }

    private static <T> List<T> nn(List<T> list) {
        return list == null ? List.of() : list;
    }

    private static <T> T req(T value, String what) {
        if (value == null) {
            throw new Undecodable(what + " is missing");
        }
        return value;
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    private static String upper(String s) {
        return s.toUpperCase(Locale.ROOT);
    }
}
