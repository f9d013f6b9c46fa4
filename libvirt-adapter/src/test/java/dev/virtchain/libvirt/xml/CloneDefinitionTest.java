package dev.virtchain.libvirt.xml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtchain.libvirt.Golden;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** A clone shares no per-domain file with its origin, as virt-clone makes sure. */
class CloneDefinitionTest {
    private static final UUID NEW_UUID = UUID.fromString("7d7a3c1e-1111-4c2b-8e0f-5a5a5a5a5a5a");
    private static final Path OVERLAY = Path.of("/var/lib/libvirt/images/web1-test.vda.qcow2");

    private static CloneDefinition.Clone web1Test() {
        return CloneDefinition.plan(Golden.read("perdomain-files-shutoff.xml"), "web1-test", NEW_UUID,
                Map.of("vda", OVERLAY));
    }

    @Test
    void newNameUuidAlsoInSysinfoAndNoMacOrHostInterfaceName() {
        Document doc = XmlDom.parse(web1Test().xml(), null);
        assertEquals("web1-test", text(doc, "name").get(0));
        assertEquals(List.of(NEW_UUID.toString()), text(doc, "uuid"));
        assertTrue(attributes(doc, "entry", "name").contains("uuid"));
        assertTrue(text(doc, "entry").contains(NEW_UUID.toString()), "libvirt requires sysinfo's uuid to match");
        assertFalse(text(doc, "entry").contains("2f0c7d55-6a2b-4a34-9a4c-2c3f0f6a1b10"));
        assertEquals(List.of(), attributes(doc, "mac", "address"));
        assertEquals(List.of("vda", "sda"), attributes(doc, "target", "dev"), "no vnet7 left for the clone to fight over");
        assertEquals(OVERLAY, DomainXmlReader.read(web1Test().xml()).requireDisk("vda").source());
        assertEquals(Path.of("/iso/install.iso"), DomainXmlReader.read(web1Test().xml()).requireDisk("sda").source(),
                "read-only media stay shared");
    }

    @Test
    void everyPerDomainFileGetsAPathOfItsOwn() {
        String xml = web1Test().xml();
        Document doc = XmlDom.parse(xml, null);
        assertEquals(List.of("/var/log/libvirt/qemu/web1-test-serial0.log", "/var/log/libvirt/qemu/web1-test-serial0.log",
                "/run/guests/web1-test.sock"), attributes(doc, "source", "path"),
                "the file serial and its console keep one path; the agent's made-by-libvirt socket is dropped");
        assertEquals(List.of("/var/log/guests/serial1-web1-test.log"), attributes(doc, "log", "file"));
        assertFalse(xml.contains("web1.org.qemu.guest_agent.0"), xml);
        assertFalse(xml.contains("/web1-serial0.log"), xml);
        assertFalse(xml.contains("5901"), "graphics pick a free port");
        assertTrue(attributes(doc, "graphics", "autoport").contains("yes"));
    }

    @Test
    void theUefiVariableStoreIsCopiedUnderTheClonesName() {
        CloneDefinition.Clone c = web1Test();
        Path from = Path.of("/var/lib/libvirt/qemu/nvram/web1_VARS.fd");
        Path to = Path.of("/var/lib/libvirt/qemu/nvram/web1-test_VARS.fd");
        assertEquals(new CloneDefinition.StateFile("UEFI variable store (nvram)", from, to), c.copies().get(0));
        Document doc = XmlDom.parse(c.xml(), null);
        assertEquals(List.of(to.toString()), text(doc, "nvram"));
        assertEquals(List.of("/usr/share/OVMF/OVMF_VARS_4M.fd"), attributes(doc, "nvram", "template"));
    }

    @Test
    void theEmulatedTpmsStateIsCopiedToTheNewUuidsDirectory() {
        CloneDefinition.Clone c = web1Test();
        Path swtpm = Path.of("/var/lib/libvirt/swtpm");
        assertEquals(new CloneDefinition.StateFile("TPM state (swtpm)", swtpm.resolve("2f0c7d55-6a2b-4a34-9a4c-2c3f0f6a1b10"),
                swtpm.resolve(NEW_UUID.toString()), CloneDefinition.StateKind.TPM, true), c.copies().get(1));
        assertEquals(2, c.copies().size());
        assertTrue(c.xml().contains("<backend type=\"emulator\" version=\"2.0\"/>")
                || c.xml().contains("<backend type='emulator' version='2.0'/>"), "libvirt finds the state by the new UUID");
    }

    @Test
    void aTpmStateDirectoryOrFileTheDefinitionNamesGetsAPathOfItsOwn() {
        for (String type : List.of("dir", "file")) {
            String path = "dir".equals(type) ? "/srv/tpm/web1" : "/srv/tpm/web1.state";
            String xml = Golden.read("perdomain-files-shutoff.xml").replace("<backend type='emulator' version='2.0'/>",
                    "<backend type='emulator' version='2.0'><source type='" + type + "' path='" + path + "'/></backend>");
            CloneDefinition.Clone c = CloneDefinition.plan(xml, "web1-test", NEW_UUID, Map.of("vda", OVERLAY),
                    Path.of("/elsewhere"));
            Path to = CloneDefinition.freshPath(Path.of(path), "web1", "web1-test");
            assertEquals(new CloneDefinition.StateFile("TPM state (swtpm)", Path.of(path), to,
                    CloneDefinition.StateKind.TPM, false), c.copies().get(1), type);
            assertEquals(List.of(type), attributes(XmlDom.parse(c.xml(), null), "source", "type").stream()
                    .filter(t -> t.equals(type)).toList());
            assertTrue(c.xml().contains(to.toString()), c.xml());
            assertFalse(c.xml().contains("'" + path + "'") || c.xml().contains("\"" + path + "\""), c.xml());
        }
    }

    @Test
    void aPassthroughTpmHasNoStateToCopy() {
        String xml = Golden.read("perdomain-files-shutoff.xml").replace("<backend type='emulator' version='2.0'/>",
                "<backend type='passthrough'><device path='/dev/tpm0'/></backend>");
        CloneDefinition.Clone c = CloneDefinition.plan(xml, "web1-test", NEW_UUID, Map.of("vda", OVERLAY));
        assertEquals(List.of(CloneDefinition.StateKind.NVRAM), c.copies().stream().map(CloneDefinition.StateFile::kind).toList());
    }

    @Test
    void aDomainWithoutPerDomainFilesNeedsNoCopies() {
        CloneDefinition.Clone c = CloneDefinition.plan(Golden.read("chain3-shutoff.xml"), "c2", NEW_UUID,
                Map.of("vda", OVERLAY));
        assertEquals(List.of(), c.copies());
        assertEquals("c2", DomainXmlReader.read(c.xml()).name());
    }

    @Test
    void aWritableDiskLeftOutIsRefused() {
        assertThrows(DomainXmlException.NotClonable.class, () -> CloneDefinition.plan(
                Golden.read("perdomain-files-shutoff.xml"), "web1-test", NEW_UUID, Map.of()));
    }

    @Test
    void freshPathsFollowVirtClone() {
        assertEquals(Path.of("/l/new.log"), CloneDefinition.freshPath(Path.of("/l/web1.log"), "web1", "new"));
        assertEquals(Path.of("/l/new-serial0.log"), CloneDefinition.freshPath(Path.of("/l/web1-serial0.log"), "web1", "new"));
        assertEquals(Path.of("/l/web10-new.log"), CloneDefinition.freshPath(Path.of("/l/web10.log"), "web1", "new"),
                "another domain's name that merely starts alike is not the origin's");
        assertEquals(Path.of("/l/console-new"), CloneDefinition.freshPath(Path.of("/l/console"), "web1", "new"));
        assertEquals(Path.of("/l/a.b.c-new.log"), CloneDefinition.freshPath(Path.of("/l/a.b.c.log"), "web1", "new"));
    }

    private static List<String> text(Document doc, String tag) {
        List<String> out = new ArrayList<>();
        NodeList nodes = doc.getElementsByTagName(tag);
        for (int i = 0; i < nodes.getLength(); i++) {
            out.add(nodes.item(i).getTextContent().strip());
        }
        return out;
    }

    private static List<String> attributes(Document doc, String tag, String attribute) {
        List<String> out = new ArrayList<>();
        NodeList nodes = doc.getElementsByTagName(tag);
        for (int i = 0; i < nodes.getLength(); i++) {
            Element e = (Element) nodes.item(i);
            if (e.hasAttribute(attribute)) {
                out.add(e.getAttribute(attribute));
            }
        }
        return out;
    }
}
