package dev.virtchain.libvirt.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtchain.libvirt.Golden;
import dev.virtchain.libvirt.xml.DomainDescription;
import dev.virtchain.libvirt.xml.DomainXmlReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which source a chain is read from, and every rule a chain must pass before virtchain acts on it.
 * The images are headers written byte by byte in a temporary image root; qemu-img is never run.
 */
class DiskChainsTest {
    private static final String GOLDEN_DIR = "/var/lib/libvirt/images/golden/";

    @TempDir
    Path tmp;
    Path images;
    ImageRoots roots;

    @BeforeEach
    void root() throws IOException {
        images = Files.createDirectory(tmp.resolve("images"));
        roots = ImageRoots.of(List.of(images), List.of());
    }

    private DomainDescription golden(String name) {
        return DomainXmlReader.read(Golden.read(name).replace(GOLDEN_DIR, images + "/"));
    }

    private Path qcow2(String name, String backing, String backingFormat) throws IOException {
        ImageHeaderTest.Qcow2 q = new ImageHeaderTest.Qcow2();
        q.backing = backing;
        q.backingFormat = backingFormat;
        return Files.write(images.resolve(name), q.bytes());
    }

    private Path raw(String name) throws IOException {
        return Files.write(images.resolve(name), new byte[4096]);
    }

    private ImageRefused refused(DomainDescription d) {
        return assertThrows(ImageRefused.class, () -> DiskChains.read(d, d.requireDisk("vda"), roots));
    }

    @Test
    void aCompleteChainInTheLiveXmlIsUsedOnceItsHeadersAgree() throws IOException {
        qcow2("legacy-vda.1.qcow2", "legacy-vda.img", "raw");
        raw("legacy-vda.img");
        DomainDescription d = golden("rawbase-running.xml");
        DiskChain chain = DiskChains.read(d, d.requireDisk("vda"), roots);
        assertEquals(DiskChain.Source.DOMAIN_XML, chain.source());
        assertEquals(List.of(new DiskChain.Link(images.resolve("legacy-vda.1.qcow2"), "qcow2"),
                new DiskChain.Link(images.resolve("legacy-vda.img"), "raw")), chain.images());
    }

    /**
     * A chain the ledger recorded (its headers checked then) that the live XML states unchanged is
     * taken without reading a header again; any difference and the headers decide.
     */
    @Test
    void aLiveChainEqualToOneCheckedBeforeIsConfinedButItsHeadersAreNotReadAgain() throws IOException {
        // a header that read() refuses: it records the backing format qcow2, the XML says raw
        qcow2("legacy-vda.1.qcow2", "legacy-vda.img", "qcow2");
        raw("legacy-vda.img");
        DomainDescription d = golden("rawbase-running.xml");
        List<DiskChain.Link> recorded = List.of(new DiskChain.Link(images.resolve("legacy-vda.1.qcow2"), "qcow2"),
                new DiskChain.Link(images.resolve("legacy-vda.img"), "raw"));
        DiskChain chain = DiskChains.read(d, d.requireDisk("vda"), roots, recorded);
        assertEquals(recorded, chain.images());
        assertEquals(DiskChain.Source.DOMAIN_XML, chain.source());

        for (List<DiskChain.Link> other : List.of(List.<DiskChain.Link>of(), recorded.subList(0, 1),
                List.of(recorded.get(0), new DiskChain.Link(images.resolve("legacy-vda.img"), "qcow2")))) {
            ImageRefused e = assertThrows(ImageRefused.class, () -> DiskChains.read(d, d.requireDisk("vda"), roots, other));
            assertTrue(e.getMessage().contains("records the backing format qcow2"), e.getMessage());
        }

        // confined all the same: the recorded base now leads out of the roots
        Files.delete(images.resolve("legacy-vda.img"));
        Files.createSymbolicLink(images.resolve("legacy-vda.img"), Files.writeString(tmp.resolve("secret"), "s"));
        ImageRefused e = assertThrows(ImageRefused.class, () -> DiskChains.read(d, d.requireDisk("vda"), roots, recorded));
        assertTrue(e.getMessage().contains("outside the image roots") && e.getMessage().contains("disk vda"),
                e.getMessage());
    }

    @Test
    void aStoredOrAbsentChainIsWalkedThroughTheHeaders() throws IOException {
        qcow2("web-vda.3.qcow2", "web-vda.2.qcow2", "qcow2");
        qcow2("web-vda.2.qcow2", "web-vda.1.qcow2", "qcow2");
        qcow2("web-vda.1.qcow2", "web-vda.qcow2", "qcow2");
        qcow2("web-vda.qcow2", null, null);
        DomainDescription d = golden("chain3-shutoff.xml");
        DiskChain chain = DiskChains.read(d, d.requireDisk("vda"), roots);
        assertEquals(DiskChain.Source.IMAGE_HEADERS, chain.source());
        assertEquals(List.of("web-vda.3.qcow2", "web-vda.2.qcow2", "web-vda.1.qcow2", "web-vda.qcow2"),
                chain.files().stream().map(p -> p.getFileName().toString()).toList());
    }

    @Test
    void anXmlChainThatLibvirtProbedIntoAHostFileIsRefused() throws IOException {
        // libvirt probes when an overlay records no backing format: the raw base's guest-written
        // header then puts a host file into the XML chain.
        qcow2("legacy-vda.1.qcow2", "legacy-vda.img", null);
        raw("legacy-vda.img");
        ImageRefused e = refused(golden("rawbase-running.xml"));
        assertTrue(e.getMessage().contains("vcgolden-legacy") && e.getMessage().contains("disk vda"), e.getMessage());
        assertTrue(e.getMessage().contains("does not record the backing file's format"), e.getMessage());
        assertTrue(e.getMessage().contains("qemu-img rebase -u -f qcow2 -F FORMAT"), e.getMessage());
    }

    @Test
    void aHeaderWhoseBackingFormatContradictsTheXmlIsRefused() throws IOException {
        qcow2("legacy-vda.1.qcow2", "legacy-vda.img", "qcow2");
        raw("legacy-vda.img");
        assertTrue(refused(golden("rawbase-running.xml")).getMessage().contains("records the backing format qcow2"));
    }

    @Test
    void backingFilesOutsideTheRootsOrThroughSymlinksOrProtocolsAreRefused() throws IOException {
        Path secret = Files.writeString(tmp.resolve("secret"), "the host's secret");
        qcow2("web-vda.2.qcow2", "web-vda.1.qcow2", "qcow2");
        qcow2("web-vda.1.qcow2", "web-vda.qcow2", "qcow2");
        qcow2("web-vda.qcow2", null, null);

        qcow2("web-vda.3.qcow2", secret.toString(), "raw");
        ImageRefused outside = refused(golden("chain3-shutoff.xml"));
        assertTrue(outside.getMessage().contains("outside the image roots"), outside.getMessage());
        assertEquals(secret.toString(), outside.backingName());

        Files.delete(images.resolve("web-vda.3.qcow2"));
        Files.createSymbolicLink(images.resolve("escape.raw"), secret);
        qcow2("web-vda.3.qcow2", "escape.raw", "raw");
        assertTrue(refused(golden("chain3-shutoff.xml")).getMessage().contains("leads to " + secret.toRealPath()));

        Files.delete(images.resolve("web-vda.3.qcow2"));
        qcow2("web-vda.3.qcow2", "json:{\"driver\":\"file\",\"filename\":\"" + secret + "\"}", "raw");
        assertTrue(refused(golden("chain3-shutoff.xml")).getMessage().contains("protocol or json: name"));

        Files.delete(images.resolve("web-vda.3.qcow2"));
        qcow2("web-vda.3.qcow2", "../secret", "raw");
        assertTrue(refused(golden("chain3-shutoff.xml")).getMessage().contains("outside the image roots"));
    }

    @Test
    void fifosDataFilesAndLoopsAreRefusedWithoutBeingOpened() throws Exception {
        qcow2("web-vda.2.qcow2", "web-vda.1.qcow2", "qcow2");
        qcow2("web-vda.qcow2", null, null);
        Process mkfifo = new ProcessBuilder("mkfifo", images.resolve("web-vda.1.qcow2").toString()).start();
        assertEquals(0, mkfifo.waitFor());
        qcow2("web-vda.3.qcow2", "web-vda.2.qcow2", "qcow2");
        assertTrue(refused(golden("chain3-shutoff.xml")).getMessage().contains("not a regular file"));

        Files.delete(images.resolve("web-vda.1.qcow2"));
        ImageHeaderTest.Qcow2 data = new ImageHeaderTest.Qcow2();
        data.backing = "web-vda.qcow2";
        data.backingFormat = "qcow2";
        data.dataFile = tmp.resolve("secret").toString();
        data.incompatible = ImageHeader.INCOMPAT_DATA_FILE;
        Files.write(images.resolve("web-vda.1.qcow2"), data.bytes());
        assertTrue(refused(golden("chain3-shutoff.xml")).getMessage().contains("external data file"));

        Files.delete(images.resolve("web-vda.1.qcow2"));
        qcow2("web-vda.1.qcow2", "web-vda.3.qcow2", "qcow2");
        assertTrue(refused(golden("chain3-shutoff.xml")).getMessage().contains("appears twice"));
    }

    /** Roots that resolve each directory once refuse the same things, and resolve the same chains. */
    @Test
    void theRulesHoldWhenDirectoriesAreRemembered() throws Exception {
        roots = roots.remembering();
        backingFilesOutsideTheRootsOrThroughSymlinksOrProtocolsAreRefused();
        emptyImages();
        fifosDataFilesAndLoopsAreRefusedWithoutBeingOpened();
        emptyImages();

        Path elsewhere = Files.createDirectory(tmp.resolve("elsewhere"));
        Files.createSymbolicLink(images.resolve("linked-dir"), elsewhere);
        qcow2("web-vda.qcow2", null, null);
        qcow2("web-vda.2.qcow2", "web-vda.1.qcow2", "qcow2");
        qcow2("web-vda.1.qcow2", "linked-dir/outside.qcow2", "qcow2");
        Files.write(elsewhere.resolve("outside.qcow2"), new ImageHeaderTest.Qcow2().bytes());
        qcow2("web-vda.3.qcow2", "web-vda.2.qcow2", "qcow2");
        ImageRefused e = refused(golden("chain3-shutoff.xml"));
        assertTrue(e.getMessage().contains("outside the image roots"), e.getMessage());

        Files.delete(images.resolve("web-vda.1.qcow2"));
        qcow2("web-vda.1.qcow2", "web-vda.qcow2", "qcow2");
        DomainDescription d = golden("chain3-shutoff.xml");
        assertEquals(DiskChains.read(d, d.requireDisk("vda"), ImageRoots.of(List.of(images), List.of())).images(),
                DiskChains.read(d, d.requireDisk("vda"), roots).images());
    }

    private void emptyImages() throws IOException {
        try (var files = Files.list(images)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
    }

    @Test
    void aRawImageEndsTheChainWhateverItsBytesSay() throws IOException {
        // a raw base whose guest wrote a qcow2 header naming a host file: the bytes are not read
        ImageHeaderTest.Qcow2 hostile = new ImageHeaderTest.Qcow2();
        hostile.backing = "/etc/shadow";
        hostile.backingFormat = "raw";
        Files.write(images.resolve("legacy-vda.img"), hostile.bytes());
        qcow2("legacy-vda.1.qcow2", "legacy-vda.img", "raw");
        DomainDescription d = golden("rawbase-running.xml");
        assertEquals(2, DiskChains.read(d, d.requireDisk("vda"), roots).images().size());
    }

    @Test
    void anEmptyDriveHasNoChain() {
        DomainDescription d = golden("twodisk-shutoff.xml");
        assertThrows(IllegalArgumentException.class, () -> DiskChains.read(d, d.requireDisk("sda"), roots));
    }

    /** A source named by a relative path is refused with the domain and disk, before any file is opened. */
    @Test
    void aRelativeSourceIsRefusedNamingTheDomainAndDisk() {
        DomainDescription d = DomainXmlReader.read("<domain type='kvm'><name>web</name><devices>"
                + "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='web/vda.qcow2'/>"
                + "<target dev='vda'/></disk></devices></domain>");
        ImageRefused e = refused(d);
        assertEquals(Path.of("web/vda.qcow2"), e.image());
        assertEquals("web", e.domain());
        assertEquals("vda", e.disk());
        assertTrue(e.getMessage().contains("it is a relative path"), e.getMessage());
    }
}
