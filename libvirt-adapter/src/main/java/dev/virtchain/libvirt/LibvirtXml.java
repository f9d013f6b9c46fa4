package dev.virtchain.libvirt;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.xml.XmlMapper;
import com.fasterxml.jackson.dataformat.xml.annotation.JacksonXmlElementWrapper;
import com.fasterxml.jackson.dataformat.xml.annotation.JacksonXmlProperty;
import com.fasterxml.jackson.dataformat.xml.annotation.JacksonXmlRootElement;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The XML documents the live half hands to libvirt, written with Jackson from records so no value
 * is ever pasted into markup: the snapshot request and a block copy's destination.
 */
final class LibvirtXml {
    private static final ObjectMapper XML = new XmlMapper();

    private LibvirtXml() {}

    /**
     * {@code <domainsnapshot>} for an external disk-only snapshot: each disk in {@code overlays}
     * gets {@code snapshot='external'} with its pre-created overlay; every other disk of the domain
     * {@code snapshot='no'} (a disk-only snapshot would otherwise include it by default).
     */
    static String snapshot(List<String> allTargets, Map<String, Path> overlays) {
        List<SnapshotDisk> disks = allTargets.stream()
                .map(t -> overlays.containsKey(t)
                        ? new SnapshotDisk(t, "external", new Driver("qcow2"), new Source(overlays.get(t).toString()))
                        : new SnapshotDisk(t, "no", null, null))
                .toList();
        return write(new DomainSnapshot(disks));
    }

    /** {@code <disk type='file'>} naming a block copy's destination file and format. */
    static String copyDestination(Path file, String format) {
        return write(new CopyDisk("file", new Driver(format), new Source(file.toString())));
    }

    private static String write(Object doc) {
        try {
            return XML.writeValueAsString(doc);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write XML for libvirt: " + e.getMessage(), e);
        }
    }

    @JacksonXmlRootElement(localName = "domainsnapshot")
    record DomainSnapshot(
            @JacksonXmlElementWrapper(localName = "disks") @JacksonXmlProperty(localName = "disk")
            List<SnapshotDisk> disks) {}

    @JsonPropertyOrder({"name", "snapshot", "driver", "source"})
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record SnapshotDisk(
            @JacksonXmlProperty(isAttribute = true) String name,
            @JacksonXmlProperty(isAttribute = true) String snapshot,
            Driver driver,
            Source source) {}

    @JacksonXmlRootElement(localName = "disk")
    @JsonPropertyOrder({"type", "driver", "source"})
    record CopyDisk(@JacksonXmlProperty(isAttribute = true) String type, Driver driver, Source source) {}

    record Driver(@JacksonXmlProperty(isAttribute = true) String type) {}

    record Source(@JacksonXmlProperty(isAttribute = true) String file) {}
}
