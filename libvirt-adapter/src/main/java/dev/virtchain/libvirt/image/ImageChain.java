package dev.virtchain.libvirt.image;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A chain of images with the format of each, top first, as virtchain knows it (from the ledger or
 * the domain XML): what {@code qemu-img} is told to open, image by image, so that it never probes
 * a format and never follows a name it finds in a header.
 *
 * <p>{@link #imageOpts()} spells the whole chain as one {@code --image-opts} argument:
 * {@code driver=qcow2,file.driver=file,file.filename=TOP,backing.driver=raw,backing.file.driver=file,...}.
 * Each node's backing is given explicitly, so the names and formats in the headers are not used,
 * and {@code file.driver=file} makes every file name a plain path (no protocol prefix is parsed).
 * The bottom image is the chain's last link; a qcow2 bottom must not name a backing file in its
 * header ({@link DiskChains} checks that before a chain is trusted).
 */
public record ImageChain(List<DiskChain.Link> links) {
    private static final Set<String> FORMATS = Set.of("qcow2", "raw");

    public ImageChain {
        links = List.copyOf(links);
        if (links.isEmpty()) {
            throw new IllegalArgumentException("a chain has at least one image");
        }
        for (int i = 0; i < links.size(); i++) {
            DiskChain.Link l = links.get(i);
            Objects.requireNonNull(l.file(), "file");
            if (!l.file().isAbsolute()) {
                throw new IllegalArgumentException("image paths must be absolute, not " + l.file());
            }
            if (!FORMATS.contains(l.format())) {
                throw new IllegalArgumentException("image " + l.file() + " has format " + l.format()
                        + "; virtchain names qcow2 and raw only");
            }
            if (l.format().equals("raw") && i + 1 < links.size()) {
                throw new IllegalArgumentException("raw image " + l.file() + " cannot have a backing file");
            }
        }
    }

    /** One image alone, with its format. */
    public static ImageChain of(Path file, String format) {
        return new ImageChain(List.of(new DiskChain.Link(file, format)));
    }

    /** The image the chain is read through. */
    public DiskChain.Link top() {
        return links.get(0);
    }

    public List<Path> files() {
        return links.stream().map(DiskChain.Link::file).toList();
    }

    /** The whole chain as one {@code --image-opts} argument. */
    public String imageOpts() {
        StringBuilder b = new StringBuilder();
        String prefix = "";
        for (DiskChain.Link l : links) {
            if (!prefix.isEmpty()) {
                b.append(',');
            }
            b.append(prefix).append("driver=").append(l.format())
                    .append(',').append(prefix).append("file.driver=file")
                    .append(',').append(prefix).append("file.filename=").append(escape(l.file().toString()));
            prefix = prefix + "backing.";
        }
        return b.toString();
    }

    /** QemuOpts values escape a comma by doubling it. */
    static String escape(String value) {
        return value.replace(",", ",,");
    }
}
