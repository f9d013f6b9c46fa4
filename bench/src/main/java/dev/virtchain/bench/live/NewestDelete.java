package dev.virtchain.bench.live;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.testing.TestDomain;

import java.util.ArrayList;
import java.util.List;

/**
 * Benchmark 3: deleting the newest snapshot when the active image has diverged: {@value #HOLDER_MIB}
 * MiB in the snapshot's holder, {@value #ACTIVE_MIB} MiB written to the active image since. Two
 * domains get the same writes; on one virtchain takes the snapshots and deletes the newest, on the
 * other libvirt does ({@code virsh snapshot-create-as --disk-only --atomic}, with metadata, then
 * {@code virsh snapshot-delete}). Bytes are what each QEMU process wrote during the delete.
 */
public final class NewestDelete {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final long MIB = 1L << 20;
    static final int HOLDER_MIB = 8;
    static final int ACTIVE_MIB = 256;
    private static final String DISK = "vda";

    private NewestDelete() {
    }

    public static ObjectNode run(LiveHost host) throws InterruptedException {
        Virtchaind vc = host.daemon();
        try (TestDomain a = TestDomain.builder().diskMiB(512).create();
             TestDomain b = TestDomain.builder().diskMiB(512).create()) {
            host.adopt(a.name());
            List<String> bSnapshots = new ArrayList<>();
            try {
                a.write(DISK, 0x11, "0", "16M");
                b.write(DISK, 0x11, "0", "16M");
                vc.cli("snapshot-create", a.name(), "s0");
                Virsh.run("snapshot-create-as", b.name(), "s0", "--disk-only", "--atomic");
                bSnapshots.add("s0");
                a.write(DISK, 0x22, "64M", HOLDER_MIB + "M");
                b.write(DISK, 0x22, "64M", HOLDER_MIB + "M");
                vc.cli("snapshot-create", a.name(), "s1");
                Virsh.run("snapshot-create-as", b.name(), "s1", "--disk-only", "--atomic");
                bSnapshots.add("s1");
                a.write(DISK, 0x33, "128M", ACTIVE_MIB + "M");
                b.write(DISK, 0x33, "128M", ACTIVE_MIB + "M");

                QemuProcess qa = QemuProcess.of(a.name());
                long before = qa.bytesWritten();
                Virtchaind.CliResult del = vc.cli("snapshot-delete", a.name(), "s1");
                long vcBytes = qa.bytesWritten() - before;

                QemuProcess qb = QemuProcess.of(b.name());
                before = qb.bytesWritten();
                Command virsh = Virsh.run("snapshot-delete", b.name(), "s1");
                bSnapshots.remove("s1");
                long lvBytes = qb.bytesWritten() - before;

                host.progress().say(String.format("  3: virtchain %6.1f MiB in %5.2f s; virsh snapshot-delete %6.1f MiB"
                        + " in %5.2f s", vcBytes / (double) MIB, del.millis() / 1000, lvBytes / (double) MIB,
                        virsh.seconds()));
                ObjectNode out = JSON.objectNode();
                out.put("holderBytes", HOLDER_MIB * MIB);
                out.put("activeBytes", ACTIVE_MIB * MIB);
                out.put("virtchainBytes", vcBytes);
                out.put("virtchainPlannedBytes", del.data().path("bytesCopied").asLong());
                out.put("virtchainSteps", stepKinds(del));
                out.put("virtchainSeconds", del.millis() / 1000);
                out.put("virshBytes", lvBytes);
                out.put("virshSeconds", virsh.seconds());
                out.put("bytesRatio", lvBytes / (double) Math.max(1, vcBytes));
                out.put("timeRatio", virsh.seconds() / (del.millis() / 1000));
                out.put("measure", "wchar of each domain's QEMU process across the delete command");
                out.put("target", "virtchain copies at least 10x fewer bytes");
                out.put("met", lvBytes >= 10 * vcBytes);
                return out;
            } finally {
                // libvirt keeps snapshot metadata; a domain with metadata cannot be undefined.
                for (String s : bSnapshots) {
                    Command.runAllowingFailure(Virsh.argv(List.of("snapshot-delete", b.name(), s, "--metadata")));
                }
            }
        }
    }

    static String stepKinds(Virtchaind.CliResult r) {
        List<String> kinds = new ArrayList<>();
        for (var s : r.data().path("plan").path("steps")) {
            String kind = s.path("kind").asText();
            if (!kind.equals("ledger")) {
                kinds.add(kind + (s.path("bytes").asLong() > 0 ? " " + s.path("bytes").asLong() / MIB + " MiB" : ""));
            }
        }
        return String.join(", ", kinds);
    }
}
