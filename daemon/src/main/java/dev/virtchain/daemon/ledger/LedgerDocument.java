package dev.virtchain.daemon.ledger;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.dataformat.xml.annotation.JacksonXmlElementWrapper;
import com.fasterxml.jackson.dataformat.xml.annotation.JacksonXmlProperty;
import com.fasterxml.jackson.dataformat.xml.annotation.JacksonXmlRootElement;
import java.util.ArrayList;
import java.util.List;

/**
 * The on-disk shape of a domain's ledger file; see {@link LedgerCodec} for the format. Plain
 * mutable classes that Jackson XML writes and {@link LedgerXmlReader} reads; scalars are attributes (an
 * absent attribute is null, unlike an empty element), lists are wrapped (an unwrapped list keeps
 * only the last run of repeated elements). Only {@link LedgerCodec} and its reader touch these.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JacksonXmlRootElement(localName = "virtchain-ledger")
final class LedgerDocument {
    @JacksonXmlProperty(isAttribute = true) public Integer schema;
    @JacksonXmlProperty(localName = "ledger") public LedgerDoc ledger;
    @JacksonXmlProperty(localName = "operation") public OperationDoc operation;

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    static final class LedgerDoc {
        @JacksonXmlProperty(isAttribute = true) public String domain;
        @JacksonXmlProperty(isAttribute = true) public String uuid;
        @JacksonXmlProperty(isAttribute = true) public String current;
        @JacksonXmlProperty(isAttribute = true, localName = "next-image-seq") public Long nextImageSeq;
        @JacksonXmlElementWrapper(localName = "disks") @JacksonXmlProperty(localName = "disk")
        public List<DiskDoc> disks = new ArrayList<>();
        @JacksonXmlElementWrapper(localName = "snapshots") @JacksonXmlProperty(localName = "snapshot")
        public List<SnapshotDoc> snapshots = new ArrayList<>();
        @JacksonXmlElementWrapper(localName = "tombstones") @JacksonXmlProperty(localName = "tombstone")
        public List<TombstoneDoc> tombstones = new ArrayList<>();
    }

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    static final class DiskDoc {
        @JacksonXmlProperty(isAttribute = true) public String target;
        @JacksonXmlProperty(isAttribute = true) public String active;
        @JacksonXmlElementWrapper(localName = "images") @JacksonXmlProperty(localName = "image")
        public List<ImageDoc> images = new ArrayList<>();
    }

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    static final class ImageDoc {
        @JacksonXmlProperty(isAttribute = true) public String path;
        @JacksonXmlProperty(isAttribute = true) public String format;
        @JacksonXmlProperty(isAttribute = true) public String backing;
    }

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    static final class SnapshotDoc {
        @JacksonXmlProperty(isAttribute = true) public String name;
        @JacksonXmlProperty(isAttribute = true) public String created;
        @JacksonXmlProperty(isAttribute = true) public String parent;
        @JacksonXmlProperty(isAttribute = true) public String consistency;
        @JacksonXmlProperty(isAttribute = true, localName = "consistency-note") public String consistencyNote;
        @JacksonXmlProperty(isAttribute = true) public String origin;
        @JacksonXmlProperty(isAttribute = true) public String policy;
        @JacksonXmlProperty(isAttribute = true) public String description;
        @JacksonXmlElementWrapper(localName = "holders") @JacksonXmlProperty(localName = "holder")
        public List<PairDoc> holders = new ArrayList<>();
        @JacksonXmlElementWrapper(localName = "holds") @JacksonXmlProperty(localName = "hold")
        public List<String> holds = new ArrayList<>();
        @JacksonXmlElementWrapper(localName = "protected-by") @JacksonXmlProperty(localName = "clone")
        public List<String> protectedBy = new ArrayList<>();
    }

    /** A disk and a path: a holder, an overlay, a clone's disk. */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    static final class PairDoc {
        @JacksonXmlProperty(isAttribute = true) public String disk;
        @JacksonXmlProperty(isAttribute = true) public String path;

        PairDoc() {}

        PairDoc(String disk, String path) {
            this.disk = disk;
            this.path = path;
        }
    }

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    static final class TombstoneDoc {
        @JacksonXmlProperty(isAttribute = true) public String disk;
        @JacksonXmlProperty(isAttribute = true) public String image;
        @JacksonXmlProperty(isAttribute = true) public String snapshot;
        @JacksonXmlProperty(isAttribute = true) public String reason;
    }

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    static final class ChainDoc {
        @JacksonXmlProperty(isAttribute = true) public String disk;
        @JacksonXmlElementWrapper(useWrapping = false) @JacksonXmlProperty(localName = "file")
        public List<String> images = new ArrayList<>();
    }

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    static final class OperationDoc {
        @JacksonXmlProperty(isAttribute = true) public String id;
        @JacksonXmlProperty(isAttribute = true) public String kind;
        @JacksonXmlProperty(isAttribute = true) public String started;
        @JacksonXmlProperty(isAttribute = true, localName = "next-step") public Integer nextStep;
        @JacksonXmlProperty(isAttribute = true, localName = "step-started") public Boolean stepStarted;
        @JacksonXmlProperty(isAttribute = true) public String description;
        @JacksonXmlElementWrapper(localName = "steps") @JacksonXmlProperty(localName = "step")
        public List<StepDoc> steps = new ArrayList<>();
    }

    /** Every step kind in one flat element: each kind uses the attributes it has. */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    static final class StepDoc {
        @JacksonXmlProperty(isAttribute = true) public String kind;
        @JacksonXmlProperty(isAttribute = true) public String disk;
        @JacksonXmlProperty(isAttribute = true) public String path;
        @JacksonXmlProperty(isAttribute = true) public String image;
        @JacksonXmlProperty(isAttribute = true) public String backing;
        @JacksonXmlProperty(isAttribute = true, localName = "backing-format") public String backingFormat;
        @JacksonXmlProperty(isAttribute = true) public String top;
        @JacksonXmlProperty(isAttribute = true) public String base;
        @JacksonXmlProperty(isAttribute = true) public String source;
        @JacksonXmlProperty(isAttribute = true) public String dest;
        @JacksonXmlProperty(isAttribute = true) public String snapshot;
        @JacksonXmlProperty(isAttribute = true) public String quiesce;
        @JacksonXmlProperty(isAttribute = true) public Boolean active;
        @JacksonXmlProperty(isAttribute = true) public Boolean safe;
        @JacksonXmlProperty(isAttribute = true) public String format;
        @JacksonXmlProperty(isAttribute = true) public Boolean shallow;
        @JacksonXmlProperty(isAttribute = true) public Boolean pivot;
        @JacksonXmlProperty(isAttribute = true) public Long bytes;
        @JacksonXmlProperty(isAttribute = true, localName = "shutdown-seconds") public Integer shutdownSeconds;
        @JacksonXmlProperty(isAttribute = true) public String directory;
        @JacksonXmlProperty(isAttribute = true, localName = "new-domain") public String newDomain;
        @JacksonXmlProperty(isAttribute = true, localName = "new-uuid") public String newUuid;
        @JacksonXmlElementWrapper(localName = "chain-after") @JacksonXmlProperty(localName = "file")
        public List<String> chainAfter = new ArrayList<>();
        @JacksonXmlElementWrapper(localName = "chains-after") @JacksonXmlProperty(localName = "chain")
        public List<ChainDoc> chainsAfter = new ArrayList<>();
        @JacksonXmlElementWrapper(localName = "disk-files") @JacksonXmlProperty(localName = "disk-file")
        public List<PairDoc> disks = new ArrayList<>();
        @JacksonXmlProperty(localName = "ledger") public LedgerDoc ledger;
    }
}
