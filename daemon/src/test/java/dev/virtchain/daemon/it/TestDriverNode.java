package dev.virtchain.daemon.it;

import dev.virtchain.testing.TestLibvirt;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A node file of libvirt's test driver, reached through the libvirtd under test
 * ({@code test+unix:///FILE}, which that libvirtd reads): hundreds of domains with real image files
 * and no QEMU behind them, for what the daemon does per domain at start.
 */
final class TestDriverNode {
    private final StringBuilder xml = new StringBuilder("<node>\n");
    private int domains;

    /** Adds a domain whose one disk ({@code vda}) is described by {@code diskInner} (driver, source, backing). */
    TestDriverNode domain(String name, String diskInner) {
        xml.append("<domain type='test'><name>").append(name).append("</name><uuid>")
                .append(String.format(Locale.ROOT, "5ca1ab1e-0000-4000-8000-%012d", domains++))
                .append("</uuid><memory>65536</memory><os><type>hvm</type></os><devices>")
                .append("<disk type='file' device='disk'>").append(diskInner)
                .append("<target dev='vda' bus='virtio'/></disk></devices></domain>\n");
        return this;
    }

    /** Adds a domain on a raw 1 MiB sparse image made at {@code image}. */
    TestDriverNode rawDomain(String name, Path image) throws IOException {
        sparse(image);
        return domain(name, "<driver name='qemu' type='raw'/><source file='" + image + "'/><backingStore/>");
    }

    /** Writes the node file and returns the URI that reaches it through the libvirtd under test. */
    String write(Path nodeFile) throws IOException {
        Files.writeString(nodeFile, xml + "</node>\n");
        String under = TestLibvirt.uri();
        int query = under.indexOf('?');
        return "test+unix://" + nodeFile.toAbsolutePath() + (query < 0 ? "" : under.substring(query));
    }

    static void sparse(Path file) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(1 << 20);
        }
    }
}
