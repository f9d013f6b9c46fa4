package dev.virtchain.libvirt.image;

import java.nio.file.Path;
import java.util.List;

/**
 * A {@code qemu-img} run that did not do what was asked. Every subtype names the images involved
 * and keeps the tool's own words ({@link #stderr()}), so an operator can act on the message alone.
 *
 * <p>The subtypes are the outcomes a caller decides differently on: an image held by a running
 * QEMU ({@link ImageInUse}) asks for the live path or a stopped domain; a missing file
 * ({@link ImageMissing}) means the chain on disk is not what the caller believed; a timeout
 * ({@link TimedOut}) leaves the image in an unknown state that must be re-read before anything
 * else; everything else is {@link Failed}.
 */
public abstract sealed class ImageToolException extends RuntimeException
        permits ImageToolException.ImageInUse, ImageToolException.ImageMissing,
                ImageToolException.TimedOut, ImageToolException.Failed {
    private static final long serialVersionUID = 1L;

    private final String operation;
    private final transient List<Path> images;
    private final String stderr;

    ImageToolException(String operation, List<Path> images, String stderr, String message, Throwable cause) {
        super(message, cause);
        this.operation = operation;
        this.images = List.copyOf(images);
        this.stderr = stderr;
    }

    /** The qemu-img sub-command: {@code info}, {@code commit}, … */
    public String operation() {
        return operation;
    }

    /** The images the command was about, the one it changes first. */
    public List<Path> images() {
        return images;
    }

    /** What qemu-img wrote to stderr (may be empty). */
    public String stderr() {
        return stderr;
    }

    /** Another process (normally the QEMU of a running domain) holds a lock on an image. */
    public static final class ImageInUse extends ImageToolException {
        private static final long serialVersionUID = 1L;

        ImageInUse(String operation, List<Path> images, String stderr) {
            super(operation, images, stderr, "qemu-img " + operation + " of " + images
                    + " refused: an image is in use by another process, normally the QEMU of a running domain;"
                    + " stop the domain or use the live block-job path (" + stderr + ")", null);
        }
    }

    /** An image, or a backing file named in one, does not exist. */
    public static final class ImageMissing extends ImageToolException {
        private static final long serialVersionUID = 1L;

        ImageMissing(String operation, List<Path> images, String stderr) {
            super(operation, images, stderr, "qemu-img " + operation + " of " + images
                    + " failed: a file of the chain is missing; re-read the chain before retrying (" + stderr + ")",
                    null);
        }
    }

    /**
     * The run took longer than allowed and was killed. An image that was being written is in an
     * unknown state: re-read it ({@code info}, {@code check}) before deciding anything.
     */
    public static final class TimedOut extends ImageToolException {
        private static final long serialVersionUID = 1L;

        TimedOut(String operation, List<Path> images, String stderr, java.time.Duration limit) {
            super(operation, images, stderr, "qemu-img " + operation + " of " + images + " did not finish within "
                    + limit + " and was killed; check the images before retrying", null);
        }
    }

    /** Any other failure: non-zero exit, unreadable output, or qemu-img could not be started. */
    public static final class Failed extends ImageToolException {
        private static final long serialVersionUID = 1L;
        private final int exitCode;

        Failed(String operation, List<Path> images, int exitCode, String stderr, String what, Throwable cause) {
            super(operation, images, stderr, "qemu-img " + operation + " of " + images + " failed: " + what
                    + (stderr.isEmpty() ? "" : " (" + stderr + ")"), cause);
            this.exitCode = exitCode;
        }

        /** The exit status, or -1 when the process never ran or its output could not be read. */
        public int exitCode() {
            return exitCode;
        }
    }
}
