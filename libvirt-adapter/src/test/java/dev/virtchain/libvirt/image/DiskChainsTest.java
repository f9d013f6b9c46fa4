package dev.virtchain.libvirt.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.virtchain.libvirt.Golden;
import dev.virtchain.libvirt.xml.DomainDescription;
import dev.virtchain.libvirt.xml.DomainXmlReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which source a chain is read from. The qemu-img here cannot start, so a chain that comes back
 * was read from the XML alone; the headers path is exercised against real images in
 * {@code QemuImgReadIT}.
 */
class DiskChainsTest {
    private static final String DIR = "/var/lib/libvirt/images/golden/";
    private final DiskChains chains =
            new DiskChains(new QemuImg("/nonexistent/qemu-img", Duration.ofSeconds(5), Duration.ofSeconds(5)));

    @Test
    void aCompleteChainInTheLiveXmlIsUsedAsIs() {
        DomainDescription d = DomainXmlReader.read(Golden.read("rawbase-running.xml"));
        DiskChain chain = chains.read(d, d.requireDisk("vda"));
        assertEquals(DiskChain.Source.DOMAIN_XML, chain.source());
        assertEquals(List.of(new DiskChain.Link(Path.of(DIR + "legacy-vda.1.qcow2"), "qcow2"),
                new DiskChain.Link(Path.of(DIR + "legacy-vda.img"), "raw")), chain.images());
        assertEquals("raw", chain.bottom().format());
    }

    @Test
    void aStoredOrAbsentChainIsReadFromTheHeaders() {
        for (String golden : List.of("chain3-shutoff.xml", "twodisk-shutoff.xml")) {
            DomainDescription d = DomainXmlReader.read(Golden.read(golden));
            var e = assertThrows(ImageToolException.Failed.class, () -> chains.read(d, d.requireDisk("vda")));
            assertEquals("info", e.operation());
        }
    }

    @Test
    void anEmptyDriveHasNoChain() {
        DomainDescription d = DomainXmlReader.read(Golden.read("twodisk-shutoff.xml"));
        assertThrows(IllegalArgumentException.class, () -> chains.read(d, d.requireDisk("sda")));
    }
}
