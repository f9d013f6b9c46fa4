package dev.virtchain.model;

import java.util.Objects;

/**
 * One image file: its absolute path, format, and the path of its backing image (null for a base
 * image). Paths are the identity of images within a domain's trees.
 */
public record Image(String path, ImageFormat format, String backing) {
    public Image {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(format, "format");
    }

    public static Image base(String path, ImageFormat format) {
        return new Image(path, format, null);
    }

    public static Image overlay(String path, String backing) {
        return new Image(path, ImageFormat.QCOW2, Objects.requireNonNull(backing, "backing"));
    }

    public boolean hasBacking() {
        return backing != null;
    }

    /** The directory the file is in ("/" for a file at the root). */
    public String directory() {
        return directoryOf(path);
    }

    /** The file name without its directory. */
    public String fileName() {
        int slash = path.lastIndexOf('/');
        return path.substring(slash + 1);
    }

    public Image withBacking(String newBacking) {
        return new Image(path, format, newBacking);
    }

    /** The directory part of an absolute path. */
    public static String directoryOf(String path) {
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? "/" : path.substring(0, slash);
    }
}
