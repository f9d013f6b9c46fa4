package dev.virtchain.libvirt.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The directories that may hold images virtchain manages, and the block devices it may use as
 * images. Every image and every backing file is resolved ({@code toRealPath}, so symlinks are
 * followed to where they really lead) and must then be a regular file inside a root, or one of the
 * allowed devices. Anything else, a host file such as {@code /etc/shadow}, a FIFO, a device nobody
 * allowed, a path that a symlink leads out of the roots, is refused before it is opened.
 *
 * <p>Backing names come from image headers and are untrusted text: a name with a protocol prefix
 * ({@code json:}, {@code nbd:}, anything with a ':' before its first '/') is refused, because QEMU
 * would not read it as a file name.
 */
public final class ImageRoots {
    private final List<Path> roots;
    private final Set<Path> devices;
    /** Directory to its real path, for {@link #remembering()}; null: every image is resolved in full. */
    private final Map<Path, Path> realDirectories;
    /** Image to its real path, for {@link #remembering()}: images that passed already. */
    private final Map<Path, Path> passed;

    private ImageRoots(List<Path> roots, Set<Path> devices, Map<Path, Path> realDirectories) {
        this.roots = List.copyOf(roots);
        this.devices = Set.copyOf(devices);
        this.realDirectories = realDirectories;
        this.passed = realDirectories == null ? null : new ConcurrentHashMap<>();
    }

    /**
     * These roots, resolving each directory once: the images of a chain usually share one, and
     * resolving it is most of what checking an image costs (a start with 1000 domains checks
     * 40,000). An image that passed is not checked again (checking a chain meets each image as a
     * link, as the file its neighbour's header names, and as the next link). Only for one pass
     * over a domain's chains: a directory renamed or replaced by a symlink after it was resolved,
     * or an image replaced after it passed, is not noticed by the copy.
     */
    public ImageRoots remembering() {
        return new ImageRoots(roots, devices, new ConcurrentHashMap<>());
    }

    /**
     * @param directories directories that may hold images; ones that do not exist are left out
     * @param devices     block devices that may be images (by real path)
     */
    public static ImageRoots of(Collection<Path> directories, Collection<Path> devices) {
        List<Path> real = new ArrayList<>();
        for (Path d : directories) {
            requireAbsolute(d);
            try {
                Path r = d.toRealPath();
                if (Files.isDirectory(r)) {
                    real.add(r);
                }
            } catch (IOException e) {
                // a configured directory that does not exist yet holds nothing to confine to
            }
        }
        Set<Path> devs = new LinkedHashSet<>();
        for (Path d : devices) {
            requireAbsolute(d);
            try {
                devs.add(d.toRealPath());
            } catch (IOException e) {
                // a device that is not there cannot be an image now
            }
        }
        return new ImageRoots(real, devs, null);
    }

    /** This set of roots plus {@code more} directories. */
    public ImageRoots plus(Collection<Path> more) {
        List<Path> all = new ArrayList<>(roots);
        all.addAll(more);
        ImageRoots wider = of(all, devices);
        return realDirectories == null ? wider : wider.remembering();
    }

    /**
     * The real path of {@code image}, after checking that it is a regular file inside a root or an
     * allowed block device.
     *
     * @throws ImageRefused otherwise, naming the image and where it really leads
     */
    public Path confine(Path image) {
        Objects.requireNonNull(image, "image");
        if (!image.isAbsolute()) {
            // A domain definition may name its disk by a relative path; which file that is depends
            // on a working directory virtchain does not share.
            throw new ImageRefused(image, null, "it is a relative path; give the disk an absolute path in the"
                    + " domain definition");
        }
        Path known = passed == null ? null : passed.get(image);
        if (known != null) {
            return known;
        }
        known = inRememberedDirectory(image);
        if (known != null) {
            passed.put(image, known);
            return known;
        }
        Path real;
        try {
            real = image.toRealPath();
        } catch (NoSuchFileException e) {
            throw new ImageRefused(image, null, "it does not exist");
        } catch (IOException e) {
            throw new ImageRefused(image, null, "it cannot be resolved: " + e.getMessage());
        }
        if (devices.contains(real)) {
            if (!isBlockDevice(real)) {
                throw new ImageRefused(image, null, real + " is an allowed device path but not a block device");
            }
            return real;
        }
        if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
            throw new ImageRefused(image, null, (real.equals(image) ? "it" : "it leads to " + real + ", which")
                    + " is not a regular file; only regular files and the block devices listed in image-devices"
                    + " may be images");
        }
        for (Path root : roots) {
            if (real.startsWith(root)) {
                return real;
            }
        }
        throw new ImageRefused(image, null, (real.equals(image) ? "it" : "it leads to " + real + ", which")
                + " is outside the image roots " + roots + "; add its directory to image-roots in the"
                + " configuration if virtchain should manage it");
    }

    /**
     * With {@link #remembering()}: {@code image}'s real path when its directory resolves inside a
     * root and the image itself is a regular file (not a symlink), found with one {@code lstat}.
     * Null when anything else is true; then {@link #confine} resolves it in full and says why.
     */
    private Path inRememberedDirectory(Path image) {
        Path dir = image.getParent();
        Path name = image.getFileName();
        if (realDirectories == null || dir == null || name == null) {
            return null;
        }
        Path realDir = realDirectories.get(dir);
        if (realDir == null) {
            try {
                realDir = dir.toRealPath();
            } catch (IOException e) {
                return null;
            }
            realDirectories.put(dir, realDir);
        }
        Path real = realDir.resolve(name);
        try {
            BasicFileAttributes a = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.isRegularFile() || devices.contains(real)) {
                return null;
            }
        } catch (IOException e) {
            return null;
        }
        for (Path root : roots) {
            if (real.startsWith(root)) {
                return real;
            }
        }
        return null;
    }

    /**
     * The file a backing name in {@code image}'s header means: relative names are resolved against
     * the image's directory, as QEMU does. Protocol and {@code json:} names are refused.
     */
    public static Path backingPath(Path image, String backingName) {
        if (backingName.isEmpty()) {
            throw new ImageRefused(image, backingName, "its backing name is empty");
        }
        if (hasProtocol(backingName)) {
            throw new ImageRefused(image, backingName, "its backing name is a protocol or json: name, which QEMU"
                    + " would not read as a file; virtchain follows backing files only");
        }
        Path named = Path.of(backingName);
        Path dir = image.getParent();
        return (named.isAbsolute() ? named : dir.resolve(named)).normalize();
    }

    /** QEMU's rule ({@code path_has_protocol}): a ':' before the first '/' starts a protocol. */
    static boolean hasProtocol(String name) {
        int colon = name.indexOf(':');
        int slash = name.indexOf('/');
        return colon >= 0 && (slash < 0 || colon < slash);
    }

    private static boolean isBlockDevice(Path p) {
        try {
            int mode = (Integer) Files.getAttribute(p, "unix:mode");
            return (mode & 0170000) == 0060000;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    private static void requireAbsolute(Path p) {
        Objects.requireNonNull(p, "path");
        if (!p.isAbsolute()) {
            throw new IllegalArgumentException("image roots and images are absolute paths, not " + p);
        }
    }

    @Override
    public String toString() {
        return "ImageRoots" + roots + (devices.isEmpty() ? "" : " devices " + devices);
    }
}
