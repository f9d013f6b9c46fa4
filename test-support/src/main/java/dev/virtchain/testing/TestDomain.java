package dev.virtchain.testing;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

/**
 * A throwaway libvirt domain for one test: {@code type='qemu'} (TCG, no guest OS), 1–3 virtio
 * disks ({@code vda}, {@code vdb}, {@code vdc}) on qcow2 or raw base images in a directory of
 * its own. {@link #close()} destroys and undefines it and deletes the directory, whatever state
 * the test left it in. See {@code package-info} for usage.
 */
public final class TestDomain implements AutoCloseable {
    /** Format of the base images. */
    public enum Format { QCOW2, RAW }

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int HMP = 1; // VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP

    private Connect conn;
    private Domain domain;
    private final String name;
    private final Path dir;
    private final List<String> targets;
    private final List<Path> bases;

    private TestDomain(Connect conn, String name, Path dir, List<String> targets, List<Path> bases, Domain domain) {
        this.conn = conn;
        this.name = name;
        this.dir = dir;
        this.targets = targets;
        this.bases = bases;
        this.domain = domain;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Where test directories are made: {@code VIRTCHAIN_TEST_DIR}, else the JVM's temp dir. */
    /**
     * Destroys and undefines a domain a test made by other means (a clone made through the daemon,
     * named like the harness's own domains, {@code vctest-<pid>-<suffix>}, so that a killed run's
     * leftover is swept too); an absent domain is fine.
     */
    public static void removeDomain(String name) {
        Leftovers.removeDomain(TestLibvirt.connection(), name);
    }

    public static Path workRoot() {
        String configured = System.getenv("VIRTCHAIN_TEST_DIR");
        return Paths.get(configured == null || configured.isBlank() ? System.getProperty("java.io.tmpdir") : configured);
    }

    /**
     * Direct kernel boot of the Linux test guest (see {@link RealGuest}): kernel and initramfs
     * copied into the domain's directory, the data disks named on the command line, the serial
     * console written to {@code console}, and a virtio-serial channel for the guest agent.
     */
    record LinuxBoot(Path kernel, Path initrd, String cmdline, Path console) {}

    public static final class Builder {
        private int disks = 1;
        private Format format = Format.QCOW2;
        private long diskMiB = 64;
        private boolean running = true;
        private Path root;
        private GuestKit.Kit linux;

        public Builder disks(int n) {
            if (n < 1 || n > 3) {
                throw new IllegalArgumentException("a test domain has 1 to 3 disks, not " + n);
            }
            this.disks = n;
            return this;
        }

        public Builder baseFormat(Format f) {
            this.format = f;
            return this;
        }

        public Builder diskMiB(long mib) {
            this.diskMiB = mib;
            return this;
        }

        /** A running domain (the default) or, with {@code false}, one that is defined but shut off. */
        public Builder running(boolean r) {
            this.running = r;
            return this;
        }

        /**
         * Makes the domain's directory under {@code dir} instead of {@link #workRoot()}, e.g. on a
         * small file system the test mounted; QEMU must be able to traverse it.
         */
        public Builder under(Path dir) {
            this.root = dir;
            return this;
        }

        /** Boots the Linux test guest from {@code kit}, its disks formatted ext4 (package-private: see RealGuest). */
        Builder linux(GuestKit.Kit kit) {
            this.linux = kit;
            return this;
        }

        public TestDomain create() {
            Connect conn = TestLibvirt.connection();
            String name = Leftovers.PREFIX + ProcessHandle.current().pid() + "-"
                    + Long.toString(RANDOM.nextLong() >>> 1, 36).substring(0, 8);
            Path dir = (root == null ? workRoot() : root).resolve(name);
            try {
                Files.createDirectory(dir);
                // QEMU runs as another user: every directory above an image must be traversable.
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
                List<String> targets = new ArrayList<>();
                List<Path> bases = new ArrayList<>();
                for (int i = 0; i < disks; i++) {
                    String target = "vd" + (char) ('a' + i);
                    String fmt = format.name().toLowerCase(Locale.ROOT);
                    Path base = dir.resolve(target + "-base." + (format == Format.RAW ? "img" : "qcow2"));
                    if (linux == null) {
                        Tools.run(List.of("qemu-img", "create", "-q", "-f", fmt, base.toString(), diskMiB + "M"));
                    } else {
                        formatExt4(base, target, fmt);
                    }
                    targets.add(target);
                    bases.add(base);
                }
                LinuxBoot boot = null;
                if (linux != null) {
                    // A copy per domain: libvirt relabels the kernel and initramfs of each domain it starts.
                    boot = new LinuxBoot(Files.copy(linux.kernel(), dir.resolve("vmlinuz")),
                            Files.copy(linux.initrd(), dir.resolve("initrd.img")),
                            "console=ttyS0 quiet virtchain.disks=" + String.join(",", targets),
                            dir.resolve("console.log"));
                }
                Domain dom = conn.domainDefineXML(domainXml(name, targets, bases, format, boot));
                TestDomain td = new TestDomain(conn, name, dir, List.copyOf(targets), List.copyOf(bases), dom);
                if (running) {
                    try {
                        if (boot == null) {
                            td.start();
                        } else {
                            td.startNiced();
                        }
                    } catch (RuntimeException e) {
                        td.close();
                        throw e;
                    }
                }
                return td;
            } catch (IOException e) {
                deleteTree(dir);
                throw new UncheckedIOException("cannot set up test domain " + name + " in " + dir, e);
            } catch (LibvirtException e) {
                deleteTree(dir);
                throw new IllegalStateException("cannot define test domain " + name + ": " + e.getMessage(), e);
            } catch (RuntimeException e) {
                deleteTree(dir);
                throw e;
            }
        }

        /** A raw file formatted on the host (faster than mkfs in a TCG guest), converted to {@code fmt}. */
        private void formatExt4(Path base, String target, String fmt) {
            Path raw = base.resolveSibling(target + "-format.raw");
            try {
                Tools.run(List.of("truncate", "-s", diskMiB + "M", raw.toString()));
                Tools.run(List.of("mkfs.ext4", "-q", "-F", "-L", target, raw.toString()));
                if (format == Format.RAW) {
                    Files.move(raw, base);
                } else {
                    Tools.run(List.of("qemu-img", "convert", "-q", "-f", "raw", "-O", fmt, raw.toString(),
                            base.toString()));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot format " + base, e);
            } finally {
                try {
                    Files.deleteIfExists(raw);
                } catch (IOException ignored) {
                    // the directory goes at teardown
                }
            }
        }
    }

    public String name() {
        return name;
    }

    public Path dir() {
        return dir;
    }

    /** The libvirt handle, looked up again on a fresh connection if libvirtd was restarted. */
    public synchronized Domain domain() {
        Connect live = TestLibvirt.connection();
        if (live != conn) {
            try {
                conn = live;
                domain = live.domainLookupByName(name);
            } catch (LibvirtException e) {
                throw new IllegalStateException("test domain " + name + " is gone: " + e.getMessage(), e);
            }
        }
        return domain;
    }

    public Connect connection() {
        domain();
        return conn;
    }

    /** Disk targets in order: {@code vda}, {@code vdb}, … */
    public List<String> targets() {
        return targets;
    }

    /** The base image the disk was created with. */
    public Path basePath(String target) {
        return bases.get(indexOf(target));
    }

    public void start() {
        try {
            domain().create();
        } catch (LibvirtException e) {
            throw new IllegalStateException("cannot start test domain " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * Starts the domain with QEMU at nice 10, so a TCG guest shares the host's cores with the
     * build: {@code nice virsh start} would not help (libvirtd starts QEMU), so the domain starts
     * paused, every QEMU thread is reniced, then it resumes. Threads QEMU makes later inherit it.
     */
    public void startNiced() {
        try {
            domain().create(1); // VIR_DOMAIN_START_PAUSED
            renice(qemuPid());
            domain().resume();
        } catch (LibvirtException e) {
            throw new IllegalStateException("cannot start test domain " + name + ": " + e.getMessage(), e);
        }
    }

    /** The pid of the domain's QEMU, from the pid file libvirtd keeps. */
    public long qemuPid() {
        Path pidFile = Paths.get("/run/libvirt/qemu", name + ".pid");
        try {
            return Long.parseLong(Files.readString(pidFile).strip());
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException("cannot read QEMU's pid of " + name + " from " + pidFile, e);
        }
    }

    private static void renice(long pid) {
        List<String> command = new ArrayList<>(List.of("renice", "-n", "10", "-p"));
        try (Stream<Path> tasks = Files.list(Paths.get("/proc", Long.toString(pid), "task"))) {
            tasks.forEach(t -> command.add(t.getFileName().toString()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the threads of QEMU " + pid, e);
        }
        Tools.run(command);
    }

    /** Pulls the plug (virsh destroy): the domain stays defined, shut off. */
    public void stop() {
        try {
            if (domain().isActive() == 1) {
                domain().destroy();
            }
        } catch (LibvirtException e) {
            throw new IllegalStateException("cannot stop test domain " + name + ": " + e.getMessage(), e);
        }
    }

    public boolean isRunning() {
        try {
            return domain().isActive() == 1;
        } catch (LibvirtException e) {
            throw new IllegalStateException("cannot read the state of " + name + ": " + e.getMessage(), e);
        }
    }

    /** The live domain XML (the inactive definition when shut off). */
    public String xml() {
        try {
            return domain().getXMLDesc(0);
        } catch (LibvirtException e) {
            throw new IllegalStateException("cannot read the XML of " + name + ": " + e.getMessage(), e);
        }
    }

    /** The image the guest writes to on {@code target}, as the domain XML says now. */
    public Path activeImage(String target) {
        return chain(target).get(0);
    }

    /** The disk's chain from the domain XML: active image first, then each backing file. */
    public List<Path> chain(String target) {
        Element disk = diskElement(parse(xml()), target);
        List<Path> chain = new ArrayList<>();
        for (Element level = disk; level != null; level = child(level, "backingStore")) {
            Element source = child(level, "source");
            if (source == null || !source.hasAttribute("file")) {
                break; // the closing <backingStore/> of a chain
            }
            chain.add(Paths.get(source.getAttribute("file")));
        }
        return chain;
    }

    /**
     * Writes {@code length} bytes of {@code pattern} at {@code offset} into the disk as the guest
     * would, through HMP {@code qemu-io}, and flushes so {@code qemu-img -U} sees the write.
     * Offsets and lengths accept qemu-io's suffixes ("1M", "64k").
     */
    public void write(String target, int pattern, String offset, String length) {
        requireRunning("write to " + target);
        String cmd = String.format(Locale.ROOT, "write -P 0x%02x %s %s", pattern & 0xff, offset, length);
        qemuIo(target, cmd);
        flush(target);
    }

    /**
     * Writes the first {@code length} bytes of {@code source} at {@code offset} of the disk, as
     * the guest would ({@code qemu-io write -s}): how a test makes a guest write chosen bytes, such
     * as a crafted image header, into its disk. QEMU's user must be able to read {@code source}.
     */
    public void writeFrom(String target, Path source, long offset, long length) {
        requireRunning("write to " + target);
        qemuIo(target, String.format(Locale.ROOT, "write -s %s %d %d", source, offset, length));
        flush(target);
    }

    /** Flushes QEMU's cached qcow2 metadata of the disk, so offline readers see recent writes. */
    public void flush(String target) {
        requireRunning("flush " + target);
        qemuIo(target, "flush");
    }

    /**
     * Takes an external disk-only snapshot the way an operator would by hand
     * ({@code virsh snapshot-create-as --disk-only --no-metadata --atomic}): libvirt creates each
     * overlay at the given path and makes it the active image. Disks not named are left out.
     */
    public void externalSnapshot(java.util.Map<String, Path> overlays) {
        Document doc = newDocument();
        Element snap = doc.createElement("domainsnapshot");
        doc.appendChild(snap);
        Element disks = add(snap, "disks");
        for (String target : targets) {
            Element disk = add(disks, "disk");
            disk.setAttribute("name", target);
            Path overlay = overlays.get(target);
            if (overlay == null) {
                disk.setAttribute("snapshot", "no");
                continue;
            }
            disk.setAttribute("snapshot", "external");
            add(disk, "source").setAttribute("file", overlay.toString());
        }
        int flags = Domain.SnapshotCreateFlags.DISK_ONLY | Domain.SnapshotCreateFlags.NO_METADATA
                | Domain.SnapshotCreateFlags.ATOMIC;
        try {
            domain().snapshotCreateXML(serialize(doc), flags);
        } catch (LibvirtException e) {
            throw new IllegalStateException("cannot snapshot " + name + " to " + overlays + ": " + e.getMessage(), e);
        }
    }

    /** Runs one HMP command on the domain's monitor and returns its output. */
    public String hmp(String command) {
        try {
            return domain().qemuMonitorCommand(command, HMP);
        } catch (LibvirtException e) {
            throw new IllegalStateException("HMP '" + command + "' on " + name + " failed: " + e.getMessage(), e);
        }
    }

    private String qemuIo(String target, String ioCommand) {
        String device = alias(target) + "/virtio-backend";
        // HMP's qemu-io takes the device and then the whole qemu-io command as one quoted word.
        // qemu-io reports success on QEMU's stdout, not to the monitor: only errors come back here.
        String out = hmp("qemu-io -d " + device + " \"" + ioCommand + "\"");
        if (out.toLowerCase(Locale.ROOT).contains("error") || out.contains("not found")) {
            throw new IllegalStateException("qemu-io '" + ioCommand + "' on " + name + "/" + target + ": " + out.strip());
        }
        return out;
    }

    private String alias(String target) {
        Element disk = diskElement(parse(xml()), target);
        Element alias = child(disk, "alias");
        if (alias == null) {
            throw new IllegalStateException(name + "/" + target + " has no device alias; is the domain running?");
        }
        return alias.getAttribute("name");
    }

    private void requireRunning(String what) {
        if (!isRunning()) {
            throw new IllegalStateException("cannot " + what + ": test domain " + name + " is shut off");
        }
    }

    private int indexOf(String target) {
        int i = targets.indexOf(target);
        if (i < 0) {
            throw new IllegalArgumentException(name + " has no disk " + target + "; it has " + targets);
        }
        return i;
    }

    /** Destroys and undefines the domain and deletes its directory; safe to call twice. */
    @Override
    public void close() {
        RuntimeException first = null;
        try {
            Leftovers.removeDomain(TestLibvirt.connection(), name);
        } catch (RuntimeException e) {
            first = e;
        }
        try {
            deleteTree(dir);
        } catch (RuntimeException e) {
            if (first == null) {
                first = e;
            } else {
                first.addSuppressed(e);
            }
        }
        if (first != null) {
            throw first;
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete test directory " + root, e);
        }
    }

    // --- domain XML, written with the JDK's DOM: no string assembly --------------------------------

    static String domainXml(String name, List<String> targets, List<Path> bases, Format format) {
        return domainXml(name, targets, bases, format, null);
    }

    static String domainXml(String name, List<String> targets, List<Path> bases, Format format, LinuxBoot boot) {
        Document doc = newDocument();
        Element domain = doc.createElement("domain");
        domain.setAttribute("type", "qemu");
        doc.appendChild(domain);
        text(domain, "name", name);
        // The Linux guest unpacks its initramfs (~10 MiB) and runs the agent: 64 MiB is too little.
        Element memory = text(domain, "memory", boot == null ? "64" : "192");
        memory.setAttribute("unit", "MiB");
        text(domain, "vcpu", "1");
        Element os = add(domain, "os");
        Element type = text(os, "type", "hvm");
        type.setAttribute("arch", "x86_64");
        type.setAttribute("machine", "pc");
        if (boot != null) {
            // Without ACPI the guest's poweroff only halts it, and a clean shutdown never ends.
            add(add(domain, "features"), "acpi");
            text(os, "kernel", boot.kernel().toString());
            text(os, "initrd", boot.initrd().toString());
            text(os, "cmdline", boot.cmdline());
        }
        text(domain, "on_poweroff", "destroy");
        text(domain, "on_reboot", "destroy");
        text(domain, "on_crash", "destroy");
        Element devices = add(domain, "devices");
        text(devices, "emulator", "/usr/bin/qemu-system-x86_64");
        for (int i = 0; i < targets.size(); i++) {
            Element disk = add(devices, "disk");
            disk.setAttribute("type", "file");
            disk.setAttribute("device", "disk");
            Element driver = add(disk, "driver");
            driver.setAttribute("name", "qemu");
            driver.setAttribute("type", format.name().toLowerCase(Locale.ROOT));
            add(disk, "source").setAttribute("file", bases.get(i).toString());
            Element tgt = add(disk, "target");
            tgt.setAttribute("dev", targets.get(i));
            tgt.setAttribute("bus", "virtio");
        }
        if (boot != null) {
            Element serial = add(devices, "serial");
            serial.setAttribute("type", "file");
            Element source = add(serial, "source");
            source.setAttribute("path", boot.console().toString());
            // Appended, not truncated, when the domain starts again (a revert restarts it).
            source.setAttribute("append", "on");
            add(serial, "target").setAttribute("port", "0");
            // No source path: libvirt makes the agent's socket under its own state directory.
            Element channel = add(devices, "channel");
            channel.setAttribute("type", "unix");
            Element target = add(channel, "target");
            target.setAttribute("type", "virtio");
            target.setAttribute("name", "org.qemu.guest_agent.0");
        }
        Element usb = add(devices, "controller");
        usb.setAttribute("type", "usb");
        usb.setAttribute("model", "none");
        add(devices, "memballoon").setAttribute("model", "none");
        return serialize(doc);
    }

    static Document parse(String xml) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            return f.newDocumentBuilder().parse(new InputSource(new StringReader(xml)));
        } catch (ParserConfigurationException | SAXException | IOException e) {
            throw new IllegalStateException("cannot parse domain XML: " + e.getMessage(), e);
        }
    }

    private Element diskElement(Document doc, String target) {
        NodeList disks = doc.getElementsByTagName("disk");
        for (int i = 0; i < disks.getLength(); i++) {
            Element disk = (Element) disks.item(i);
            Element t = child(disk, "target");
            if (t != null && target.equals(t.getAttribute("dev"))) {
                return disk;
            }
        }
        throw new IllegalArgumentException(name + " has no disk " + target + " in its XML");
    }

    private static Element child(Element parent, String tag) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(tag)) {
                return e;
            }
        }
        return null;
    }

    private static Document newDocument() {
        try {
            return DocumentBuilderFactory.newInstance().newDocumentBuilder().newDocument();
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Element add(Element parent, String tag) {
        Element e = parent.getOwnerDocument().createElement(tag);
        parent.appendChild(e);
        return e;
    }

    private static Element text(Element parent, String tag, String text) {
        Element e = add(parent, tag);
        e.setTextContent(text);
        return e;
    }

    static String serialize(Document doc) {
        try {
            var t = TransformerFactory.newInstance().newTransformer();
            t.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
            t.setOutputProperty(OutputKeys.INDENT, "yes");
            StringWriter out = new StringWriter();
            t.transform(new DOMSource(doc), new StreamResult(out));
            return out.toString();
        } catch (TransformerException e) {
            throw new IllegalStateException("cannot write XML: " + e.getMessage(), e);
        }
    }
}
