package dev.virtchain.bench.live;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.testing.LibvirtdUnderTest;
import dev.virtchain.testing.TestDomain;
import dev.virtchain.testing.TestLibvirt;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Benchmark 9: libvirt's own {@code snapshot-delete} and {@code snapshot-revert} on the hypervisor
 * under test, beside virtchain on the same hypervisor. {@code bench/run} runs it twice: on the
 * host's libvirt 9.0 / QEMU 7.2 and on libvirt 11.3 / QEMU 10.0 in the Debian 13 test root
 * ({@code scripts/trixie-root}); the report sets the two side by side.
 *
 * <ul>
 *   <li>Bytes: a chain base ← s1 ← s2 ← s3 ← active with {@value #HOLDER_MIB} MiB in each
 *       snapshot's holder and {@value #ACTIVE_MIB} MiB in the active image; deleting the newest
 *       (s3), an interior one (s2) and a range (s2 and s3; libvirt deletes one at a time, s2
 *       first). Bytes are what the domain's QEMU wrote during the delete, as in benchmark 3.</li>
 *   <li>Branches and reverts: s1, s2, then revert to s1 and take s3, so s1 has two children;
 *       then delete s1, and (libvirt only) delete s1 with {@code --children}. What the revert
 *       left: the domain's state and whether the image that held the current state survived.</li>
 * </ul>
 */
public final class LibvirtOwnTools {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final long MIB = 1L << 20;
    public static final int HOLDER_MIB = 8;
    public static final int ACTIVE_MIB = 64;
    private static final String DISK = "vda";

    private LibvirtOwnTools() {
    }

    public static ObjectNode run(LiveHost host) throws Exception {
        ObjectNode out = JSON.objectNode();
        var conn = TestLibvirt.connection();
        out.put("libvirt", LibvirtdUnderTest.version(conn.getLibVersion()));
        out.put("qemu", LibvirtdUnderTest.version(conn.getVersion()));
        out.put("uri", LibvirtdUnderTest.uri());
        ObjectNode bytes = out.putObject("bytes");
        bytes.set("newest", deleteBytes(host, List.of("s3")));
        bytes.set("interior", deleteBytes(host, List.of("s2")));
        bytes.set("range", deleteBytes(host, List.of("s2", "s3")));
        out.set("virsh", virshBranch(host));
        out.set("virtchain", virtchainBranch(host));
        out.put("measure", "wchar of each domain's QEMU process across the delete; exit status and first line of"
                + " the error of each command");
        return out;
    }

    /** Same writes on two domains; virtchain deletes {@code names} on one, virsh on the other. */
    private static ObjectNode deleteBytes(LiveHost host, List<String> names) throws InterruptedException {
        Virtchaind vc = host.daemon();
        try (TestDomain a = TestDomain.builder().diskMiB(256).create();
             TestDomain b = TestDomain.builder().diskMiB(256).create()) {
            host.adopt(a.name());
            try {
                chain(a, s -> vc.cli("snapshot-create", a.name(), s));
                chain(b, s -> Virsh.run("snapshot-create-as", b.name(), s, "--disk-only", "--atomic"));

                QemuProcess qa = QemuProcess.of(a.name());
                long before = qa.bytesWritten();
                List<String> vcArgs = new ArrayList<>(List.of("snapshot-delete", a.name()));
                vcArgs.addAll(names);
                Virtchaind.CliResult del = vc.cli(vcArgs.toArray(String[]::new));
                long vcBytes = qa.bytesWritten() - before;

                QemuProcess qb = QemuProcess.of(b.name());
                before = qb.bytesWritten();
                List<ObjectNode> virsh = new ArrayList<>();
                double seconds = 0;
                for (String name : names) {
                    Command c = Command.runAllowingFailure(Virsh.argv(List.of("snapshot-delete", b.name(), name)));
                    virsh.add(outcome(c));
                    seconds += c.seconds();
                }
                long lvBytes = qb.bytesWritten() - before;
                host.progress().say(String.format("  9: delete %s: virtchain %6.1f MiB, virsh snapshot-delete %6.1f MiB",
                        names, vcBytes / (double) MIB, lvBytes / (double) MIB));
                ObjectNode r = JSON.objectNode();
                r.put("snapshots", String.join(" ", names));
                r.put("virtchainBytes", vcBytes);
                r.put("virtchainSteps", NewestDelete.stepKinds(del));
                r.put("virtchainSeconds", del.millis() / 1000);
                r.put("virshBytes", lvBytes);
                r.put("virshSeconds", seconds);
                r.set("virshResults", JSON.arrayNode().addAll(virsh));
                return r;
            } finally {
                dropMetadata(b);
            }
        }
    }

    private interface Snapshotter {
        void take(String name);
    }

    /** base ← s1 ← s2 ← s3 ← active, each holder with its own data. */
    private static void chain(TestDomain d, Snapshotter snap) {
        d.write(DISK, 0x11, "0", "16M");
        snap.take("s1");
        d.write(DISK, 0x22, "32M", HOLDER_MIB + "M");
        snap.take("s2");
        d.write(DISK, 0x33, "48M", HOLDER_MIB + "M");
        snap.take("s3");
        d.write(DISK, 0x44, "64M", ACTIVE_MIB + "M");
    }

    /** libvirt alone: revert to s1, branch off it, then try to delete the branch point. */
    private static ObjectNode virshBranch(LiveHost host) {
        try (TestDomain b = TestDomain.builder().diskMiB(128).create()) {
            try {
                b.write(DISK, 0x11, "0", "8M");
                Virsh.run("snapshot-create-as", b.name(), "s1", "--disk-only", "--atomic");
                b.write(DISK, 0x22, "16M", "8M");
                Virsh.run("snapshot-create-as", b.name(), "s2", "--disk-only", "--atomic");
                b.write(DISK, 0x33, "32M", "4M");
                Path current = b.activeImage(DISK);
                ObjectNode r = JSON.objectNode();
                Command revert = Command.runAllowingFailure(Virsh.argv(List.of("snapshot-revert", b.name(), "s1")));
                r.set("revert", outcome(revert));
                r.put("runningAfterRevert", b.isRunning());
                r.put("currentStateKept", Files.exists(current));
                if (revert.exit() == 0) {
                    if (!b.isRunning()) {
                        b.start();
                    }
                    Virsh.run("snapshot-create-as", b.name(), "s3", "--disk-only", "--atomic");
                    r.set("deleteBranchPoint", outcome(Command.runAllowingFailure(
                            Virsh.argv(List.of("snapshot-delete", b.name(), "s1")))));
                    r.set("deleteBranchPointWithChildren", outcome(Command.runAllowingFailure(
                            Virsh.argv(List.of("snapshot-delete", b.name(), "s1", "--children")))));
                }
                host.progress().say("  9: virsh revert " + r.path("revert").path("exit") + ", branch point "
                        + r.path("deleteBranchPoint").path("exit"));
                return r;
            } finally {
                dropMetadata(b);
            }
        }
    }

    /** virtchain on the same hypervisor: the same revert, branch and delete of the branch point. */
    private static ObjectNode virtchainBranch(LiveHost host) throws InterruptedException {
        Virtchaind vc = host.daemon();
        try (TestDomain a = TestDomain.builder().diskMiB(128).create()) {
            host.adopt(a.name());
            a.write(DISK, 0x11, "0", "8M");
            vc.cli("snapshot-create", a.name(), "s1");
            a.write(DISK, 0x22, "16M", "8M");
            vc.cli("snapshot-create", a.name(), "s2");
            a.write(DISK, 0x33, "32M", "4M");
            Path current = a.activeImage(DISK);
            ObjectNode r = JSON.objectNode();
            Command revert = Command.runAllowingFailure(vc.cliArgv("snapshot-revert", a.name(), "s1", "--force"));
            r.set("revert", outcome(revert));
            r.put("runningAfterRevert", a.isRunning());
            r.put("currentStateKept", Files.exists(current));
            if (revert.exit() == 0) {
                vc.cli("snapshot-create", a.name(), "s3");
                r.set("deleteBranchPoint", outcome(Command.runAllowingFailure(
                        vc.cliArgv("snapshot-delete", a.name(), "s1"))));
            }
            host.progress().say("  9: virtchain revert " + r.path("revert").path("exit") + ", branch point "
                    + r.path("deleteBranchPoint").path("exit"));
            return r;
        }
    }

    /** A command's exit status and what it said: its stderr, or the CLI's JSON error. */
    private static ObjectNode outcome(Command c) {
        ObjectNode o = JSON.objectNode();
        o.put("exit", c.exit());
        String said = c.err().strip();
        if (said.isEmpty() && c.exit() != 0) {
            try {
                JsonNode e = MAPPER.readTree(c.out());
                said = e.path("message").asText(c.out().strip());
            } catch (IOException notJson) {
                said = c.out().strip();
            }
        }
        // virsh says "error: Failed to … s1" and then, on the next line, libvirt's reason.
        said = String.join("; ", said.lines().map(l -> l.strip().replaceFirst("^error: ", ""))
                .filter(l -> !l.isEmpty()).toList());
        o.put("message", said.length() > 300 ? said.substring(0, 300) + "…" : said);
        return o;
    }

    /** libvirt keeps snapshot metadata, and a domain with metadata cannot be undefined. */
    private static void dropMetadata(TestDomain d) {
        Command list = Command.runAllowingFailure(Virsh.argv(List.of("snapshot-list", d.name(), "--name")));
        for (String s : list.out().lines().map(String::strip).filter(l -> !l.isEmpty()).toList()) {
            Command.runAllowingFailure(Virsh.argv(List.of("snapshot-delete", d.name(), s, "--metadata")));
        }
    }
}
