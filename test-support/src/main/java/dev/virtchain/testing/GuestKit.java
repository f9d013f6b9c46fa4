package dev.virtchain.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/**
 * The kernel and initramfs of the integration tests' Linux guest, built from Debian packages
 * and cached between runs under {@code VIRTCHAIN_TEST_CACHE} (default
 * {@code /var/cache/virtchain-test}) in a directory named after a digest of the package versions
 * and the guest's scripts: Debian's kernel (the {@code linux-image-*} that
 * {@code linux-image-amd64} depends on, with the modules for virtio disks, the agent's port and
 * ext4), {@code busybox-static} and {@code qemu-guest-agent} with the host libraries {@code ldd}
 * lists. Packages come from {@code apt-get download}, so the host's apt sources decide the
 * versions; {@code scripts/lib.sh} installs the host tools it needs. One build at a time: runs in
 * other JVMs wait on a lock file.
 */
final class GuestKit {
    /** Modules the guest loads, before their dependencies are added from {@code modules.dep}. */
    private static final List<String> MODULES = List.of("virtio_pci", "virtio_blk", "virtio_console",
            "crc32c_generic", "ext4");
    private static final List<String> SCRIPTS = List.of("guest-init.sh", "guest-writer.sh", "guest-shutdown.sh");
    /** Changes whenever the recipe below changes in a way the digest of the scripts would not show. */
    private static final String RECIPE = "1";

    record Kit(Path kernel, Path initrd, String kernelRelease) {}

    private static Kit cached;

    private GuestKit() {}

    static Path cacheRoot() {
        String configured = System.getenv("VIRTCHAIN_TEST_CACHE");
        return Paths.get(configured == null || configured.isBlank() ? "/var/cache/virtchain-test" : configured);
    }

    /** The kit for the versions apt offers now, built on first use. */
    static synchronized Kit get() {
        if (cached == null) {
            cached = build();
        }
        return cached;
    }

    private static Kit build() {
        String kernelPackage = kernelPackage();
        Map<String, String> versions = new LinkedHashMap<>();
        for (String pkg : List.of(kernelPackage, "busybox-static", "qemu-guest-agent")) {
            versions.put(pkg, candidateVersion(pkg));
        }
        String kernelRelease = kernelPackage.substring("linux-image-".length());
        Path root = cacheRoot();
        Path dir = root.resolve("guest-" + key(versions).substring(0, 16));
        Kit kit = new Kit(dir.resolve("vmlinuz"), dir.resolve("initrd.img"), kernelRelease);
        try {
            Files.createDirectories(root);
            if (Files.isRegularFile(dir.resolve("versions"))) {
                return kit;
            }
            try (FileChannel lockFile = FileChannel.open(root.resolve("guest.lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
                    FileLock lock = lockFile.lock()) {
                if (Files.isRegularFile(dir.resolve("versions"))) {
                    return kit; // another run built it while this one waited
                }
                Path work = Files.createTempDirectory(root, ".build-");
                try {
                    assemble(work, versions, kernelRelease);
                    Path staged = work.resolve("kit");
                    StringBuilder text = new StringBuilder();
                    versions.forEach((p, v) -> text.append(p).append('=').append(v).append('\n'));
                    Files.writeString(staged.resolve("versions"), text.toString());
                    TestDomain.deleteTree(dir); // a half-made directory of a killed build
                    Files.move(staged, dir, StandardCopyOption.ATOMIC_MOVE);
                } finally {
                    TestDomain.deleteTree(work);
                }
            }
            return kit;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build the test guest in " + dir + " from " + versions, e);
        }
    }

    private static void assemble(Path work, Map<String, String> versions, String kernelRelease) throws IOException {
        Path debs = Files.createDirectory(work.resolve("debs"));
        List<String> download = new ArrayList<>(List.of("apt-get", "download", "-q"));
        versions.forEach((p, v) -> download.add(p + "=" + v));
        Tools.runIn(debs, download);
        Path tree = Files.createDirectory(work.resolve("tree"));
        try (Stream<Path> files = Files.list(debs)) {
            for (Path deb : (Iterable<Path>) files.sorted()::iterator) {
                Tools.run(List.of("dpkg-deb", "-x", deb.toString(), tree.toString()));
            }
        }
        Path kit = Files.createDirectory(work.resolve("kit"));
        Files.setPosixFilePermissions(kit, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.copy(tree.resolve("boot/vmlinuz-" + kernelRelease), kit.resolve("vmlinuz"));

        Path modules = tree.resolve("lib/modules/" + kernelRelease);
        Tools.run(List.of("depmod", "-b", tree.toString(), kernelRelease));
        List<String> order = loadOrder(Files.readAllLines(modules.resolve("modules.dep")));

        try (OutputStream file = Files.newOutputStream(kit.resolve("initrd.img"));
                GZIPOutputStream gz = new GZIPOutputStream(file);
                Cpio cpio = new Cpio(gz)) {
            for (String d : List.of("bin", "dev", "etc", "lib", "lib64", "modules", "usr", "usr/sbin", "sbin")) {
                cpio.directory(d);
            }
            // The kernel opens /dev/console for init before devtmpfs is mounted.
            cpio.characterDevice("dev/console", 0600, 5, 1);
            cpio.file("init", 0755, resource("guest-init.sh"));
            cpio.file("writer", 0755, resource("guest-writer.sh"));
            cpio.file("sbin/shutdown", 0755, resource("guest-shutdown.sh"));
            cpio.file("bin/busybox", 0755, Files.readAllBytes(tree.resolve("bin/busybox")));
            Path agent = tree.resolve("usr/sbin/qemu-ga");
            cpio.file("usr/sbin/qemu-ga", 0755, Files.readAllBytes(agent));
            Set<String> dirs = new LinkedHashSet<>(List.of("lib", "lib64", "usr", "usr/sbin"));
            for (Path library : libraries(agent)) {
                String name = library.toString().substring(1);
                for (Path p = Paths.get(name).getParent(); p != null; p = p.getParent()) {
                    if (dirs.add(p.toString())) {
                        cpio.directory(p.toString()); // parents before children: cpio needs them first
                    }
                }
                cpio.file(name, 0755, Files.readAllBytes(library));
            }
            StringBuilder list = new StringBuilder();
            for (String module : order) {
                String base = Paths.get(module).getFileName().toString();
                cpio.file("modules/" + base, 0644, Files.readAllBytes(modules.resolve(module)));
                list.append(base).append('\n');
            }
            cpio.file("modules.order", 0644, list.toString().getBytes(StandardCharsets.UTF_8));
        }
    }

    /** The modules to load, each after the ones it depends on, from depmod's {@code modules.dep}. */
    static List<String> loadOrder(List<String> modulesDep) {
        Map<String, List<String>> deps = new LinkedHashMap<>();
        Map<String, String> byName = new LinkedHashMap<>();
        for (String line : modulesDep) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String module = line.substring(0, colon);
            String rest = line.substring(colon + 1).strip();
            deps.put(module, rest.isEmpty() ? List.of() : List.of(rest.split("\\s+")));
            String base = Paths.get(module).getFileName().toString().replaceFirst("\\.ko(\\.[a-z]+)?$", "");
            byName.put(base.replace('-', '_'), module);
        }
        List<String> order = new ArrayList<>();
        for (String wanted : MODULES) {
            String module = byName.get(wanted);
            if (module == null) {
                throw new IllegalStateException("the kernel has no module " + wanted + " (is it built in now?)");
            }
            addWithDependencies(module, deps, order, new LinkedHashSet<>());
        }
        return order;
    }

    private static void addWithDependencies(String module, Map<String, List<String>> deps, List<String> order,
            Set<String> visiting) {
        if (order.contains(module) || !visiting.add(module)) {
            return;
        }
        for (String dep : deps.getOrDefault(module, List.of())) {
            addWithDependencies(dep, deps, order, visiting);
        }
        order.add(module);
    }

    private static final Pattern LIBRARY = Pattern.compile("(?:=>\\s*)?(/\\S+)\\s+\\(0x");

    /** The host libraries a binary needs, as {@code ldd} names them (the loader included). */
    private static List<Path> libraries(Path binary) {
        List<Path> out = new ArrayList<>();
        for (String line : Tools.run(List.of("ldd", binary.toString())).split("\n")) {
            Matcher m = LIBRARY.matcher(line);
            if (m.find()) {
                out.add(Paths.get(m.group(1)));
            } else if (line.contains("not found")) {
                throw new IllegalStateException(binary + " needs a library the host lacks: " + line.strip());
            }
        }
        return out;
    }

    private static String kernelPackage() {
        String out = Tools.run(List.of("apt-cache", "depends", "linux-image-amd64"));
        Matcher m = Pattern.compile("Depends:\\s*(linux-image-\\d[^\\s]*-amd64)").matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("apt offers no linux-image-amd64 kernel (run apt-get update): " + out);
        }
        return m.group(1);
    }

    private static String candidateVersion(String pkg) {
        String out = Tools.run(List.of("apt-cache", "show", "--no-all-versions", pkg));
        Matcher m = Pattern.compile("(?m)^Version:\\s*(\\S+)").matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("apt offers no version of " + pkg + " (run apt-get update)");
        }
        return m.group(1);
    }

    private static String key(Map<String, String> versions) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(RECIPE.getBytes(StandardCharsets.UTF_8));
            versions.forEach((p, v) -> sha.update((p + "=" + v + "\n").getBytes(StandardCharsets.UTF_8)));
            for (String script : SCRIPTS) {
                sha.update(resource(script));
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }

    private static byte[] resource(String name) {
        try (InputStream in = GuestKit.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("test-support lacks its resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource " + name, e);
        }
    }
}
