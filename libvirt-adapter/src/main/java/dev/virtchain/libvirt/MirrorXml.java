package dev.virtchain.libvirt;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.xml.XmlMapper;
import com.fasterxml.jackson.dataformat.xml.annotation.JacksonXmlElementWrapper;
import com.fasterxml.jackson.dataformat.xml.annotation.JacksonXmlProperty;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a disk's {@code <mirror job='…' ready='yes'>} from the live domain XML: the one place that
 * says whether an active commit or copy is READY, surviving a reconnect that lost the READY event.
 * ({@code getBlockJobInfo} has no ready flag, and libvirt shows {@code cur == end} only once ready.)
 */
final class MirrorXml {
    private static final ObjectMapper XML = XmlMapper.builder()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .build();

    private MirrorXml() {}

    /** True when the disk {@code target} has a mirror that libvirt marks ready. */
    static boolean ready(String domainXml, String target) {
        XDomain dom;
        try {
            dom = XML.readValue(domainXml, XDomain.class);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot read the domain XML for the mirror state: " + e.getMessage(), e);
        }
        if (dom.devices == null) {
            return false;
        }
        for (XDisk d : dom.devices.disks) {
            if (d.target != null && target.equals(d.target.dev)) {
                // libvirt writes ready='yes' (and 'abort'/'pivot' while ending); only 'yes' means ready.
                return d.mirror != null && "yes".equals(d.mirror.ready);
            }
        }
        return false;
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    static final class XDomain {
        public XDevices devices;
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    static final class XDevices {
        final List<XDisk> disks = new ArrayList<>();

        // Disks are interleaved with other devices: an unwrapped list field would keep only the
        // last run of <disk> elements, so the setter appends.
        @JacksonXmlProperty(localName = "disk")
        @JacksonXmlElementWrapper(useWrapping = false)
        public void setDisk(List<XDisk> more) {
            disks.addAll(more);
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    static final class XDisk {
        public XTarget target;
        public XMirror mirror;
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    static final class XTarget {
        @JacksonXmlProperty(isAttribute = true)
        public String dev;
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    static final class XMirror {
        @JacksonXmlProperty(isAttribute = true)
        public String ready;
        @JacksonXmlProperty(isAttribute = true)
        public String job;
    }
}
