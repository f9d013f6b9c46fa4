package dev.virtchain.libvirt.xml;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The definition of a clone, made the way {@code virt-clone} makes one: a copy of a domain's
 * inactive definition under a new name, starting each writable disk from a thin overlay on the
 * snapshot's holder, and nothing else shared with its origin, so that both can run at once:
 * <ul>
 *   <li>a new UUID (also in {@code <sysinfo>}, where libvirt requires the same one), no MAC
 *       address on any interface (libvirt makes new ones) and no host-side interface name;</li>
 *   <li>new paths for every per-domain file the definition names: file serials, consoles,
 *       parallels and channels, chardev {@code <log file>}s, and unix sockets with a path. A socket
 *       path libvirt made itself (it holds the channel's target name) is dropped, so that libvirt
 *       makes one for the clone; other paths keep their directory and get the clone's name;</li>
 *   <li>the UEFI variable store ({@code <nvram>}) moves to {@code <new>_VARS.fd} beside the
 *       origin's and is to be <em>copied</em> ({@link Clone#copies()}), because it holds state (boot
 *       entries, Secure Boot keys) the guest needs;</li>
 *   <li>an emulated TPM's state (swtpm's directory, {@code /var/lib/libvirt/swtpm/<uuid>} by
 *       default, keyed by the domain's UUID, or the directory or file a {@code <source>} of the
 *       backend names, which libvirt accepts since 10.10) is to be <em>copied</em> to the clone's
 *       (the new UUID's directory, or a new path for a named source), owner, group and mode
 *       kept: it holds the TPM's keys, sealed secrets and NV indices, without which a guest that
 *       sealed its disk key or enrolled measured boot does not come up;</li>
 *   <li>graphics listen on automatically chosen ports;</li>
 *   <li>virtchain's own policy element goes (a clone is snapshotted only when someone sets a
 *       policy on it).</li>
 * </ul>
 * A managed save image starts fresh for the clone (libvirt keys it by name; the clone boots from
 * its disks). The copies hold the origin's state at the time of the clone, not at the snapshot's
 * (libvirt keeps no point-in-time copy of them).
 */
public final class CloneDefinition {
    private CloneDefinition() {}

    /** Where libvirt keeps emulated TPM state that no {@code <source>} names (qemu:///system). */
    public static final Path SWTPM_STORAGE = Path.of("/var/lib/libvirt/swtpm");

    /** What a state file holds, which decides how it is copied. */
    public enum StateKind {
        /** A UEFI variable store: one file; libvirt gives it to QEMU's user when the clone starts. */
        NVRAM,
        /**
         * Emulated TPM state: a directory (or, with {@code <source type='file'>}, one file) owned
         * by swtpm's user, which libvirt does not hand over again, so owner, group and mode are kept.
         */
        TPM
    }

    /**
     * A file or directory the clone needs a copy of, made before the clone is defined.
     *
     * @param fresh the destination's name is new to this clone (it holds the clone's new UUID),
     *              so whatever is found there was left by an earlier attempt to make this clone
     */
    public record StateFile(String what, Path from, Path to, StateKind kind, boolean fresh) {
        public StateFile(String what, Path from, Path to) {
            this(what, from, to, StateKind.NVRAM, false);
        }
    }

    /** The clone's definition and the state files to copy for it. */
    public record Clone(String xml, UUID uuid, List<StateFile> copies) {}

    /**
     * @param disks per disk target, the clone's overlay; every writable file disk must be named,
     *              because a disk left out would be shared read-write with the origin
     */
    public static String of(String originXml, String newName, Map<String, Path> disks) {
        return plan(originXml, newName, UUID.randomUUID(), disks).xml();
    }

    /** The clone's definition with {@code uuid}, and the state files to copy before defining it. */
    public static Clone plan(String originXml, String newName, UUID uuid, Map<String, Path> disks) {
        return plan(originXml, newName, uuid, disks, SWTPM_STORAGE);
    }

    /** As above, with libvirt's directory of emulated TPM state at {@code swtpmStorage}. */
    public static Clone plan(String originXml, String newName, UUID uuid, Map<String, Path> disks, Path swtpmStorage) {
        String xml = originXml;
        for (Map.Entry<String, Path> d : disks.entrySet()) {
            xml = DiskSourceRewrite.withActiveImage(xml, d.getKey(), d.getValue(), "qcow2");
        }
        Document doc = XmlDom.parse(xml, null);
        Element domain = doc.getDocumentElement();
        String origin = text(XmlDom.child(domain, "name"));
        requireEveryWritableDisk(domain, origin, disks);
        Element name = XmlDom.child(domain, "name");
        name.setTextContent(newName);
        Element uuidElement = XmlDom.child(domain, "uuid");
        String originUuid = uuidElement == null ? null : text(uuidElement);
        if (uuidElement != null) {
            uuidElement.setTextContent(uuid.toString());
        }
        for (Element sysinfo : children(domain, "sysinfo")) {
            Element system = XmlDom.child(sysinfo, "system");
            for (Element entry : system == null ? List.<Element>of() : children(system, "entry")) {
                if ("uuid".equals(entry.getAttribute("name"))) {
                    entry.setTextContent(uuid.toString());
                }
            }
        }
        List<StateFile> copies = new ArrayList<>();
        Element os = XmlDom.child(domain, "os");
        Element nvram = os == null ? null : XmlDom.child(os, "nvram");
        Element nvramSource = nvram == null ? null : XmlDom.child(nvram, "source");
        if (nvramSource != null && nvramSource.hasAttribute("file")) {
            // libvirt 8.5's form: <nvram type='file'><source file='...'/></nvram>
            Path from = Path.of(nvramSource.getAttribute("file"));
            Path to = from.resolveSibling(newName + "_VARS" + extension(from.getFileName().toString(), ".fd"));
            nvramSource.setAttribute("file", to.toString());
            copies.add(new StateFile("UEFI variable store (nvram)", from, to));
        } else if (nvram != null) {
            String path = text(nvram);
            if (path == null || path.isEmpty()) {
                // Only a template: libvirt makes the clone's store from it, under the clone's name.
                nvram.setTextContent("");
            } else {
                Path from = Path.of(path);
                Path to = from.resolveSibling(newName + "_VARS" + extension(from.getFileName().toString(), ".fd"));
                nvram.setTextContent(to.toString());
                copies.add(new StateFile("UEFI variable store (nvram)", from, to));
            }
        }
        Element devices = XmlDom.child(domain, "devices");
        if (devices != null) {
            for (Element iface : children(devices, "interface")) {
                remove(XmlDom.child(iface, "mac"));
                remove(XmlDom.child(iface, "target"));
            }
            for (String kind : List.of("serial", "console", "parallel", "channel")) {
                for (Element chardev : children(devices, kind)) {
                    freshChardevPaths(chardev, origin, newName);
                }
            }
            for (Element tpm : children(devices, "tpm")) {
                Element backend = XmlDom.child(tpm, "backend");
                if (backend == null || !"emulator".equals(backend.getAttribute("type"))) {
                    continue; // passthrough and external TPMs keep no state in a file of their own
                }
                Element source = XmlDom.child(backend, "source");
                if (source != null && source.hasAttribute("path")) {
                    Path from = Path.of(source.getAttribute("path"));
                    Path to = freshPath(from, origin, newName);
                    source.setAttribute("path", to.toString());
                    copies.add(new StateFile("TPM state (swtpm)", from, to, StateKind.TPM, false));
                } else if (originUuid != null && !originUuid.isEmpty()) {
                    // libvirt's own directory, named after the UUID (canonical, lower case) it formats
                    copies.add(new StateFile("TPM state (swtpm)", swtpmStorage.resolve(UUID.fromString(originUuid)
                            .toString()), swtpmStorage.resolve(uuid.toString()), StateKind.TPM, true));
                }
            }
            for (Element graphics : children(devices, "graphics")) {
                if (graphics.hasAttribute("port") || graphics.hasAttribute("tlsPort")) {
                    graphics.removeAttribute("port");
                    graphics.removeAttribute("tlsPort");
                    graphics.setAttribute("autoport", "yes");
                }
            }
        }
        Element metadata = XmlDom.child(domain, "metadata");
        if (metadata != null) {
            List<Element> ours = new ArrayList<>();
            for (Node n = metadata.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element e && PolicyMetadata.NAMESPACE.equals(e.getNamespaceURI())) {
                    ours.add(e);
                }
            }
            ours.forEach(XmlDom::removeWithIndent);
        }
        return new Clone(XmlDom.write(doc), uuid, List.copyOf(copies));
    }

    /** New paths for a chardev's files and sockets; see the class comment. */
    private static void freshChardevPaths(Element chardev, String origin, String newName) {
        String type = chardev.getAttribute("type");
        Element target = XmlDom.child(chardev, "target");
        String targetName = target == null ? "" : target.getAttribute("name");
        for (Element source : children(chardev, "source")) {
            if (!source.hasAttribute("path") || !("file".equals(type) || "unix".equals(type))) {
                continue;
            }
            String path = source.getAttribute("path");
            if ("unix".equals(type) && !targetName.isEmpty() && path.contains(targetName)) {
                source.removeAttribute("path"); // libvirt made it for the origin; it makes one for the clone
            } else {
                source.setAttribute("path", freshPath(Path.of(path), origin, newName).toString());
            }
        }
        for (Element log : children(chardev, "log")) {
            if (log.hasAttribute("file")) {
                log.setAttribute("file", freshPath(Path.of(log.getAttribute("file")), origin, newName).toString());
            }
        }
    }

    /**
     * The clone's path for a per-domain file of its origin, in the same directory: the origin's
     * name at the start of the file name is replaced by the clone's ({@code web1-serial0.log} to
     * {@code web1-test-serial0.log}); otherwise the clone's name is added before the extension
     * ({@code serial.log} to {@code serial-web1-test.log}).
     */
    static Path freshPath(Path original, String origin, String newName) {
        String file = original.getFileName().toString();
        String ext = extension(file, "");
        String stem = file.substring(0, file.length() - ext.length());
        String fresh;
        if (stem.equals(origin)) {
            fresh = newName + ext;
        } else if (stem.startsWith(origin) && "-_.".indexOf(stem.charAt(origin.length())) >= 0) {
            fresh = newName + stem.substring(origin.length()) + ext;
        } else {
            fresh = stem + "-" + newName + ext;
        }
        return original.resolveSibling(fresh);
    }

    /** The file name's extension with its dot, as virt-clone takes it (at most 7 characters), or {@code none}. */
    private static String extension(String file, String none) {
        int dot = file.lastIndexOf('.');
        return dot > 0 && file.length() - dot - 1 <= 7 ? file.substring(dot) : none;
    }

    private static void requireEveryWritableDisk(Element domain, String origin, Map<String, Path> disks) {
        Element devices = XmlDom.child(domain, "devices");
        if (devices == null) {
            return;
        }
        for (Element disk : children(devices, "disk")) {
            boolean fileDisk = "file".equals(disk.getAttribute("type")) && "disk".equals(
                    disk.getAttribute("device").isEmpty() ? "disk" : disk.getAttribute("device"));
            boolean readonly = XmlDom.child(disk, "readonly") != null || XmlDom.child(disk, "shareable") != null;
            Element target = XmlDom.child(disk, "target");
            String dev = target == null ? null : target.getAttribute("dev");
            if (fileDisk && !readonly && dev != null && !disks.containsKey(dev)) {
                throw new DomainXmlException.NotClonable(origin, dev);
            }
        }
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            if (nodes.item(i) instanceof Element e && name.equals(e.getLocalName())) {
                out.add(e);
            }
        }
        return out;
    }

    private static void remove(Element e) {
        if (e != null) {
            XmlDom.removeWithIndent(e);
        }
    }

    private static String text(Element e) {
        return e == null ? null : e.getTextContent().strip();
    }
}
