package dev.virtchain.libvirt.xml;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.dataformat.xml.XmlFactory;
import com.fasterxml.jackson.dataformat.xml.XmlMapper;
import com.fasterxml.jackson.dataformat.xml.annotation.JacksonXmlProperty;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.stream.XMLInputFactory;

/**
 * Reads {@code virsh dumpxml} / {@code virDomainGetXMLDesc} output into a
 * {@link DomainDescription}. Works on live and inactive XML alike.
 *
 * <p>Jackson binds only the elements virtchain reads and ignores the rest. Two of its XML habits
 * shape the binding classes below: an unwrapped list field keeps only the last run of repeated
 * elements (libvirt may interleave {@code <disk>} with other devices), so disks are collected by a
 * setter that appends; and the empty {@code <backingStore/>} that closes a chain binds to an
 * object with every field null, not to null, which is how a complete chain is recognised.
 */
public final class DomainXmlReader {
    private static final XmlMapper XML = mapper();
    /** The target name of the channel libvirt talks to qemu-guest-agent through. */
    public static final String GUEST_AGENT = "org.qemu.guest_agent.0";

    private DomainXmlReader() {}

    /** Parses one domain's XML. Non-file disks are reported in {@link DomainDescription#unsupported()}. */
    public static DomainDescription read(String domainXml) {
        XDomain d;
        try {
            d = XML.readValue(domainXml, XDomain.class);
        } catch (JsonProcessingException e) {
            throw new DomainXmlException.Unreadable(null, e.getOriginalMessage(), e);
        }
        if (d == null || d.name == null) {
            throw new DomainXmlException.Unreadable(null, "no <domain> with a <name>", null);
        }
        List<Disk> disks = new ArrayList<>();
        List<UnsupportedDisk> unsupported = new ArrayList<>();
        for (XDisk x : d.devices == null ? List.<XDisk>of() : d.devices.disks) {
            String target = x.target == null ? null : x.target.dev;
            if (target == null) {
                throw new DomainXmlException.Unreadable(d.name, "a <disk> without <target dev>", null);
            }
            String type = x.type == null ? "file" : x.type;
            if (!type.equals("file")) {
                unsupported.add(new UnsupportedDisk(d.name, target, type, describe(x.source)));
                continue;
            }
            UnsupportedDisk badBacking = null;
            List<BackingImage> backing = new ArrayList<>();
            ChainInXml chain = x.backingStore == null ? ChainInXml.ABSENT : ChainInXml.STORED;
            for (XBackingStore b = x.backingStore; b != null; b = b.backingStore) {
                if (b.isTerminator()) {
                    chain = ChainInXml.COMPLETE;
                    break;
                }
                String btype = b.type == null ? "file" : b.type;
                if (!btype.equals("file") || b.source == null || b.source.file == null) {
                    badBacking = new UnsupportedDisk(d.name, target, btype,
                            "backing image " + (backing.size() + 1) + ": " + describe(b.source));
                    break;
                }
                // libvirt keeps "./" of a relative backing name in the path it shows (/img/./a:b.qcow2)
                backing.add(new BackingImage(Path.of(b.source.file).normalize(), b.format == null ? null : b.format.type,
                        b.index == null ? 0 : b.index));
            }
            if (badBacking != null) {
                unsupported.add(badBacking);
                continue;
            }
            XSource s = x.source;
            disks.add(new Disk(target, x.target.bus, DiskDevice.of(x.device),
                    x.driver == null ? null : x.driver.type,
                    s == null || s.file == null ? null : Path.of(s.file).normalize(),
                    s == null || s.index == null ? 0 : s.index,
                    x.alias == null ? null : x.alias.name,
                    x.readonly != null, x.shareable != null,
                    backing, chain));
        }
        boolean agent = d.devices != null && d.devices.channels.stream()
                .anyMatch(c -> c.target != null && GUEST_AGENT.equals(c.target.name));
        boolean live = d.id != null && !d.id.isBlank() && !d.id.strip().equals("-1");
        return new DomainDescription(d.name, d.uuid, d.type, disks, unsupported, agent, live);
    }

    private static String describe(XSource s) {
        if (s == null) {
            return "no source";
        }
        List<String> parts = new ArrayList<>();
        add(parts, "file", s.file);
        add(parts, "dev", s.dev);
        add(parts, "dir", s.dir);
        add(parts, "protocol", s.protocol);
        add(parts, "name", s.name);
        add(parts, "pool", s.pool);
        add(parts, "volume", s.volume);
        return parts.isEmpty() ? "no source" : String.join(" ", parts);
    }

    private static void add(List<String> parts, String key, String value) {
        if (value != null) {
            parts.add(key + "=" + value);
        }
    }

    private static XmlMapper mapper() {
        // Domain XML never carries a DTD; refusing one also rules out external entities.
        XMLInputFactory in = XMLInputFactory.newFactory();
        in.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        in.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        XmlMapper m = new XmlMapper(new XmlFactory(in));
        m.configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
        return m;
    }

    // --- binding classes: only what virtchain reads ------------------------------------------------

    @JsonIgnoreProperties(ignoreUnknown = true)
    static final class XDomain {
        @JacksonXmlProperty(isAttribute = true)
        public String type;
        /** Only a running domain's live XML has it. */
        @JacksonXmlProperty(isAttribute = true)
        public String id;
        public String name;
        public String uuid;
        public XDevices devices;
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    static final class XDevices {
        final List<XDisk> disks = new ArrayList<>();
        final List<XChannel> channels = new ArrayList<>();

        /** Called once per {@code <disk>}, wherever it stands among the other devices. */
        @JsonSetter("disk")
        void addDisk(XDisk disk) {
            disks.add(disk);
        }

        @JsonSetter("channel")
        void addChannel(XChannel channel) {
            channels.add(channel);
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    static final class XChannel {
        public XChannelTarget target;
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    static final class XChannelTarget {
        @JacksonXmlProperty(isAttribute = true)
        public String name;
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    static final class XDisk {
        @JacksonXmlProperty(isAttribute = true)
        public String type;
        @JacksonXmlProperty(isAttribute = true)
        public String device;
        public XDriver driver;
        public XSource source;
        public XBackingStore backingStore;
        public XTarget target;
        public XAlias alias;
        /** Present (as an empty string) for {@code <readonly/>}, null when absent. */
        public Object readonly;
        public Object shareable;
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    static final class XDriver {
        @JacksonXmlProperty(isAttribute = true)
        public String type;
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    static final class XSource {
        @JacksonXmlProperty(isAttribute = true)
        public String file;
        @JacksonXmlProperty(isAttribute = true)
        public String dev;
        @JacksonXmlProperty(isAttribute = true)
        public String dir;
        @JacksonXmlProperty(isAttribute = true)
        public String protocol;
        @JacksonXmlProperty(isAttribute = true)
        public String name;
        @JacksonXmlProperty(isAttribute = true)
        public String pool;
        @JacksonXmlProperty(isAttribute = true)
        public String volume;
        @JacksonXmlProperty(isAttribute = true)
        public Integer index;
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    static final class XBackingStore {
        @JacksonXmlProperty(isAttribute = true)
        public String type;
        @JacksonXmlProperty(isAttribute = true)
        public Integer index;
        public XFormat format;
        public XSource source;
        public XBackingStore backingStore;

        /** The empty {@code <backingStore/>} that says "no further backing file". */
        boolean isTerminator() {
            return type == null && index == null && format == null && source == null && backingStore == null;
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    static final class XFormat {
        @JacksonXmlProperty(isAttribute = true)
        public String type;
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    static final class XTarget {
        @JacksonXmlProperty(isAttribute = true)
        public String dev;
        @JacksonXmlProperty(isAttribute = true)
        public String bus;
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    static final class XAlias {
        @JacksonXmlProperty(isAttribute = true)
        public String name;
    }
}
