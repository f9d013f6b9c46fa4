package dev.virtchain.libvirt.image;

import java.nio.file.Path;

/**
 * An image virtchain will not open, or a name in an image's header it will not follow: outside
 * the image roots, not a regular file, a protocol or {@code json:} name, an external data file, a
 * backing file without a recorded format, a header that contradicts the domain. Nothing was opened
 * beyond the image's own header and nothing was changed.
 *
 * <p>The message names the domain and disk when the caller knew them ({@link #in}), the image, and
 * the offending backing name, and says what an operator can do about it.
 */
public final class ImageRefused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Path image;
    private final String backingName;
    private final String reason;
    private final String domain;
    private final String disk;

    public ImageRefused(Path image, String backingName, String reason) {
        this(image, backingName, reason, null, null);
    }

    private ImageRefused(Path image, String backingName, String reason, String domain, String disk) {
        super(message(image, backingName, reason, domain, disk));
        this.image = image;
        this.backingName = backingName;
        this.reason = reason;
        this.domain = domain;
        this.disk = disk;
    }

    /** The same refusal, naming the domain and disk whose chain it was found in. */
    public ImageRefused in(String domain, String disk) {
        ImageRefused e = new ImageRefused(image, backingName, reason, domain, disk);
        e.setStackTrace(getStackTrace());
        return e;
    }

    /** The image whose path or header was refused. */
    public Path image() {
        return image;
    }

    /** The backing name the header gave, when that is what was refused; else {@code null}. */
    public String backingName() {
        return backingName;
    }

    /** What is wrong, without the names around it. */
    public String reason() {
        return reason;
    }

    public String domain() {
        return domain;
    }

    public String disk() {
        return disk;
    }

    private static String message(Path image, String backingName, String reason, String domain, String disk) {
        StringBuilder b = new StringBuilder();
        if (domain != null) {
            b.append("domain ").append(domain);
            if (disk != null) {
                b.append(", disk ").append(disk);
            }
            b.append(": ");
        }
        b.append("refusing image ").append(image);
        if (backingName != null) {
            b.append(" (backing name '").append(printable(backingName)).append("')");
        }
        return b.append(": ").append(reason).append("; nothing was opened or changed").toString();
    }

    /** A name from an untrusted header, safe to print on one line. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        int limit = Math.min(s.length(), 200);
        for (int i = 0; i < limit; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return s.length() > limit ? b.append("...").toString() : b.toString();
    }
}
