package dev.virtchain.libvirt.image;

import dev.virtchain.libvirt.xml.DiskSourceRewrite;
import dev.virtchain.testing.ImageContent;
import dev.virtchain.testing.TestDomain;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;

/**
 * A real chain on a shut-off test domain, built the way an offline snapshot is taken: each
 * overlay made by {@link QemuImg#createOverlay}, made active with {@link DiskSourceRewrite} and
 * {@code defineXML}, and written by the guest (start, write, stop).
 *
 * <pre>
 *   vda-base.qcow2  S0  0x11 [0,4M)
 *   vda.1.qcow2     S1  0x22 [4M,6M)
 *   vda.2.qcow2     S2  0x33 [0,1M) and [5M,6M): both hide data of older layers
 *   vda.3.qcow2     active: 0x44 at 16M+4K, 100K long (not cluster-aligned: two clusters)
 * </pre>
 *
 * {@link #images} and {@link #digests} are indexed alike: the image that holds each point in
 * time and what its chain showed when it was frozen.
 */
final class WrittenChain {
    static final long M = 1 << 20;

    final TestDomain dom;
    final List<Path> images = new ArrayList<>();
    final List<String> digests = new ArrayList<>();

    private WrittenChain(TestDomain dom) {
        this.dom = dom;
    }

    static WrittenChain build(TestDomain dom, QemuImg qemuImg) {
        WrittenChain c = new WrittenChain(dom);
        Path base = dom.basePath("vda");
        c.layer(base, () -> dom.write("vda", 0x11, "0", "4M"));
        c.overlay(qemuImg, 1, () -> dom.write("vda", 0x22, "4M", "2M"));
        c.overlay(qemuImg, 2, () -> {
            dom.write("vda", 0x33, "0", "1M");
            dom.write("vda", 0x33, "5M", "1M");
        });
        c.overlay(qemuImg, 3, () -> dom.write("vda", 0x44, String.valueOf(16 * M + 4096), "100k"));
        return c;
    }

    Path image(int i) {
        return images.get(i);
    }

    /** The chain from image {@code i} down, with formats, as virtchain names it to qemu-img. */
    ImageChain chain(int i) {
        return walked(image(i));
    }

    /** The chain under a qcow2 image in a test directory, walked header by header. */
    static ImageChain walked(Path top) {
        return new ImageChain(DiskChains.walk("test", "vda", new DiskChain.Link(top, "qcow2"),
                ImageRoots.of(List.of(top.getParent()), List.of())));
    }

    String digest(int i) {
        return digests.get(i);
    }

    private void overlay(QemuImg qemuImg, int n, Runnable writes) {
        Path below = images.get(images.size() - 1);
        Path next = dom.dir().resolve("vda." + n + ".qcow2");
        qemuImg.createOverlay(next, below, "qcow2");
        makeActive(dom, next, "qcow2");
        layer(next, writes);
    }

    private void layer(Path image, Runnable writes) {
        dom.start();
        writes.run();
        dom.stop();
        images.add(image);
        digests.add(ImageContent.digest(image));
    }

    /** Redefines the shut-off domain with {@code image} as vda's active image; returns the old definition. */
    static String makeActive(TestDomain dom, Path image, String format) {
        try {
            String before = inactiveXml(dom);
            dom.connection().domainDefineXML(DiskSourceRewrite.withActiveImage(before, "vda", image, format));
            return before;
        } catch (LibvirtException e) {
            throw new IllegalStateException("cannot redefine " + dom.name() + " on " + image + ": " + e.getMessage(), e);
        }
    }

    static String inactiveXml(TestDomain dom) {
        try {
            return dom.domain().getXMLDesc(Domain.XMLFlags.INACTIVE | Domain.XMLFlags.SECURE);
        } catch (LibvirtException e) {
            throw new IllegalStateException("cannot read the definition of " + dom.name() + ": " + e.getMessage(), e);
        }
    }
}
