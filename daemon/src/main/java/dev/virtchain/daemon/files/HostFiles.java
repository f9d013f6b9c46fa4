package dev.virtchain.daemon.files;

import dev.virtchain.daemon.config.DaemonConfig;
import dev.virtchain.libvirt.image.DiskChain;
import dev.virtchain.libvirt.image.DiskChains;
import dev.virtchain.libvirt.image.ImageChain;
import dev.virtchain.libvirt.image.ImageRefused;
import dev.virtchain.libvirt.image.ImageRoots;
import dev.virtchain.libvirt.xml.DomainDescription;
import dev.virtchain.model.Disk;
import dev.virtchain.model.Image;
import dev.virtchain.model.Ledger;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Which files on the host virtchaind may open, follow and create: the one place the daemon's
 * file-system boundaries are drawn (docs/security.md).
 *
 * <ul>
 *   <li><b>Image roots.</b> Images and backing files must resolve inside the configured
 *       {@code image-roots} (by default the directories of the domain's disks as libvirt defines
 *       them, of the images its ledger holds, and the copy directories) to regular files, or be a
 *       configured {@code image-devices} block device. Every chain handed to qemu-img is built from
 *       the ledger and verified against them first ({@link #chain}).</li>
 *   <li><b>Destinations.</b> {@code export} writes only under {@code export-dirs}, {@code blockcopy}
 *       only under {@code copy-dirs}; the file's directory must be owned by root and writable by
 *       nobody else, and the file must not exist (a dangling symlink counts as existing).</li>
 *   <li><b>Creation.</b> Files are created exclusively ({@code CREATE_NEW}, no symlink followed),
 *       mode 0600, and remembered by device and inode ({@link CreatedFile}): cleanup deletes a file
 *       only while it is still the one that was created.</li>
 * </ul>
 */
public final class HostFiles {
    /** What a destination is for, and so which configured directories it must be under. */
    public enum Kind {
        EXPORT("export", "export-dirs"),
        COPY("blockcopy", "copy-dirs");

        private final String command;
        private final String key;

        Kind(String command, String key) {
            this.command = command;
            this.key = key;
        }
    }

    private final List<Path> configuredRoots;
    private final List<Path> devices;
    private final List<Path> exportDirs;
    private final List<Path> copyDirs;

    public HostFiles(DaemonConfig config) {
        this(config.storage().imageRoots(), config.storage().imageDevices(), config.exportDirs(), config.copyDirs());
    }

    public HostFiles(List<Path> imageRoots, List<Path> devices, List<Path> exportDirs, List<Path> copyDirs) {
        this.configuredRoots = List.copyOf(imageRoots);
        this.devices = List.copyOf(devices);
        this.exportDirs = List.copyOf(exportDirs);
        this.copyDirs = List.copyOf(copyDirs);
    }

    /**
     * Creates the export and copy directories that do not exist yet: mode 0700 for exports (only
     * root reads them), 0711 for copies (QEMU's user must reach the file libvirt hands it). A copy
     * directory inside the state directory makes the state directory traversable (0711: its
     * contents stay unlisted, the ledgers stay in 0700 directories); anything else in the way is
     * reported, not changed.
     *
     * @return problems an operator should fix (a copy directory QEMU cannot reach)
     */
    public List<String> prepareDirectories(Path stateDir) throws IOException {
        List<String> problems = new ArrayList<>();
        for (Path d : exportDirs) {
            createDirectory(d, "rwx------");
        }
        for (Path d : copyDirs) {
            createDirectory(d, "rwx--x--x");
            for (Path p = d.getParent(); p != null && p.getParent() != null; p = p.getParent()) {
                PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (a.permissions().contains(PosixFilePermission.OTHERS_EXECUTE)) {
                    continue;
                }
                if (p.equals(stateDir)) {
                    Set<PosixFilePermission> perms = new java.util.HashSet<>(a.permissions());
                    perms.add(PosixFilePermission.OTHERS_EXECUTE);
                    perms.add(PosixFilePermission.GROUP_EXECUTE);
                    Files.setPosixFilePermissions(p, perms);
                } else {
                    problems.add("copy directory " + d + " is below " + p + ", which QEMU's user cannot traverse"
                            + " (mode " + PosixFilePermissions.toString(a.permissions()) + "); blockcopy into it will"
                            + " fail until it is chmod o+x");
                }
            }
        }
        return problems;
    }

    // --- image roots ----------------------------------------------------------------------------

    /** The image roots for a domain: as configured, or where its disks and its ledger's images are. */
    public ImageRoots roots(DomainDescription domain, Optional<Ledger> ledger) {
        Set<Path> dirs = new LinkedHashSet<>(copyDirs);
        if (!configuredRoots.isEmpty()) {
            dirs.addAll(configuredRoots);
        } else {
            if (domain != null) {
                for (var d : domain.disks()) {
                    // A relative source is no root: confining it refuses it, naming the disk.
                    if (d.source() != null && d.source().isAbsolute() && d.source().getParent() != null) {
                        dirs.add(d.source().getParent());
                    }
                }
            }
            ledger.ifPresent(l -> {
                for (Disk d : l.disks()) {
                    for (Image i : d.images()) {
                        dirs.add(Path.of(i.directory()));
                    }
                }
            });
        }
        return ImageRoots.of(dirs, devices);
    }

    /**
     * The chain under {@code image} as the ledger has it, formats included, checked image by
     * image against the roots before qemu-img is given it.
     *
     * @throws ImageRefused naming the domain, disk and image when a link breaks a rule
     */
    public ImageChain chain(Ledger ledger, String image, ImageRoots roots) {
        for (Disk d : ledger.disks()) {
            if (d.contains(image)) {
                List<DiskChain.Link> links = new ArrayList<>();
                for (String path : d.chainFrom(image)) {
                    links.add(new DiskChain.Link(Path.of(path), d.image(path).format().qemuName()));
                }
                DiskChains.verify(ledger.domainName(), d.target(), links, roots);
                return new ImageChain(links);
            }
        }
        throw new IllegalArgumentException(image + " is not an image of " + ledger.domainName());
    }

    /** As {@link #chain(Ledger, String, ImageRoots)}, with the roots the ledger alone gives. */
    public ImageChain chain(Ledger ledger, String image) {
        return chain(ledger, image, roots(null, Optional.of(ledger)));
    }

    /** The format the ledger records for {@code image}, if it holds it. */
    public static Optional<String> formatOf(Ledger ledger, String image) {
        for (Disk d : ledger.disks()) {
            Image i = d.image(image);
            if (i != null) {
                return Optional.of(i.format().qemuName());
            }
        }
        return Optional.empty();
    }

    // --- destinations ---------------------------------------------------------------------------

    /** Every directory commands may write output to: exports and copies. */
    public List<Path> outputDirectories() {
        List<Path> all = new ArrayList<>(exportDirs);
        all.addAll(copyDirs);
        return all;
    }

    /** The directories a destination of {@code kind} may be in. */
    public List<Path> directories(Kind kind) {
        return kind == Kind.EXPORT ? exportDirs : copyDirs;
    }

    /**
     * Checks a path a client asked {@code kind} to write: absolute and normalised, in a directory
     * under one of the configured ones (after resolving symlinks), that directory owned by root and
     * writable by nobody else, and nothing at the path yet.
     *
     * @return the path with its directory resolved, which is where the file will be created
     * @throws DestinationRefused saying which rule failed and listing the allowed directories
     */
    public Path destination(Kind kind, Path requested) {
        Objects.requireNonNull(requested, "requested");
        List<Path> allowed = directories(kind);
        String where = kind.command + " writes only under " + allowed + " (" + kind.key
                + " in the [daemon] section of the configuration)";
        if (!requested.isAbsolute() || !requested.normalize().equals(requested) || requested.getParent() == null) {
            throw new DestinationRefused(requested, "it is not a normalised absolute file path; " + where);
        }
        Path parent;
        try {
            parent = requested.getParent().toRealPath();
        } catch (NoSuchFileException e) {
            throw new DestinationRefused(requested, "its directory " + requested.getParent() + " does not exist; " + where);
        } catch (IOException e) {
            throw new DestinationRefused(requested, "its directory cannot be resolved (" + e.getMessage() + "); " + where);
        }
        boolean inside = false;
        for (Path dir : allowed) {
            try {
                if (parent.startsWith(dir.toRealPath())) {
                    inside = true;
                    break;
                }
            } catch (IOException e) {
                // a configured directory that does not exist holds nothing
            }
        }
        if (!inside) {
            throw new DestinationRefused(requested, (parent.equals(requested.getParent()) ? "it is" : "its directory leads to "
                    + parent + ", which is") + " outside the allowed directories; " + where);
        }
        try {
            PosixFileAttributes a = Files.readAttributes(parent, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            Set<PosixFilePermission> p = a.permissions();
            if (!a.owner().getName().equals("root") || p.contains(PosixFilePermission.GROUP_WRITE)
                    || p.contains(PosixFilePermission.OTHERS_WRITE)) {
                throw new DestinationRefused(requested, "its directory " + parent + " is owned by " + a.owner().getName()
                        + " with mode " + PosixFilePermissions.toString(p) + "; virtchain creates files only in"
                        + " directories that only root can write (chown root and chmod go-w it)");
            }
        } catch (IOException e) {
            throw new DestinationRefused(requested, "its directory " + parent + " cannot be inspected: " + e.getMessage());
        }
        Path target = parent.resolve(requested.getFileName());
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new DestinationRefused(requested, "something already exists at " + target
                    + (Files.isSymbolicLink(target) ? " (a symbolic link)" : "") + "; virtchain never overwrites or"
                    + " follows an existing file: choose a new name");
        }
        return target;
    }

    /**
     * Creates {@code path} empty, exclusively and without following a symlink, mode 0600, and
     * remembers which file it is.
     *
     * @throws DestinationRefused when something appeared at the path meanwhile (another request won)
     */
    public static CreatedFile createExclusive(Path path) {
        try {
            java.nio.channels.FileChannel hold = java.nio.channels.FileChannel.open(path, Set.of(
                    StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
                return new CreatedFile(path, Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS).fileKey(), hold);
            } catch (IOException | RuntimeException e) {
                hold.close();
                throw e;
            }
        } catch (FileAlreadyExistsException e) {
            throw new DestinationRefused(path, "it was created by someone else meanwhile (another request for the same"
                    + " path?); nothing was written");
        } catch (IOException e) {
            throw new DestinationRefused(path, "it cannot be created: " + e.getMessage());
        }
    }

    private static void createDirectory(Path d, String mode) throws IOException {
        if (Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.exists(d, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(d + " exists and is not a directory");
        }
        Files.createDirectories(d.getParent());
        Files.createDirectory(d, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode)));
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString(mode));
    }
}
