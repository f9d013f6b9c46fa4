package dev.virtchain.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One disk of a domain: its target name ({@code vda}), every image of its tree, and the active
 * image (the one the guest writes to, never a point in time). Reverts and clones make the images
 * a tree: an image may have several children.
 */
public record Disk(String target, List<Image> images, String active) {
    public Disk {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(active, "active");
        images = List.copyOf(images);
    }

    /** The image at {@code path}, or null. */
    public Image image(String path) {
        for (Image i : images) {
            if (i.path().equals(path)) {
                return i;
            }
        }
        return null;
    }

    public boolean contains(String path) {
        return image(path) != null;
    }

    public Image activeImage() {
        return image(active);
    }

    /** Images whose backing is {@code path}. */
    public List<Image> children(String path) {
        List<Image> out = new ArrayList<>();
        for (Image i : images) {
            if (path.equals(i.backing())) {
                out.add(i);
            }
        }
        return out;
    }

    /** Path to image, for lookups in loops. */
    public Map<String, Image> byPath() {
        Map<String, Image> m = new HashMap<>(images.size() * 2);
        for (Image i : images) {
            m.put(i.path(), i);
        }
        return Collections.unmodifiableMap(m);
    }

    /** The chain from {@code path} down to its base image, {@code path} first; stops at a cycle. */
    public List<String> chainFrom(String path) {
        Map<String, Image> byPath = byPath();
        List<String> chain = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        String at = path;
        while (at != null && byPath.containsKey(at) && seen.add(at)) {
            chain.add(at);
            at = byPath.get(at).backing();
        }
        return chain;
    }

    /** The active chain, active image first, as libvirt's domain XML shows it. */
    public List<String> activeChain() {
        return chainFrom(active);
    }

    public Disk withImages(List<Image> newImages) {
        return new Disk(target, newImages, active);
    }

    public Disk withActive(String path) {
        return new Disk(target, images, path);
    }
}
