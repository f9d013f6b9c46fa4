package dev.virtchain.bench.live;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.bench.Progress;
import dev.virtchain.model.sim.ImageFormat;
import dev.virtchain.model.sim.SimulatedHost;
import dev.virtchain.testing.TestDomain;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Benchmark 2: the simulator's prediction of bytes copied against what QEMU writes, job by job,
 * on a real TCG domain. The same writes and snapshots go to the domain and to a simulated host;
 * before each block job the simulator predicts its bytes, then virsh runs the job and the QEMU
 * process's write counter ({@link QemuProcess}) measures it. The four jobs cover a shallow
 * commit, a pull down to an image, an active commit with pivot, and a full pull.
 */
public final class SimulatorVsQemu {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final long MIB = 1L << 20;
    private static final String DISK = "vda";
    private static final long DISK_MIB = 512;
    /** The target: every job within 5 % of the prediction. */
    static final double TOLERANCE = 0.05;

    private final TestDomain dom;
    private final SimulatedHost sim = new SimulatedHost();
    private final QemuProcess qemu;
    private final ArrayNode jobs = JSON.arrayNode();
    private int pattern = 0x10;
    private long token = 1;

    private SimulatorVsQemu(TestDomain dom) {
        this.dom = dom;
        this.qemu = QemuProcess.of(dom.name());
        String base = dom.basePath(DISK).toString();
        sim.createBase(base, ImageFormat.QCOW2, DISK_MIB * MIB);
        sim.activate(base);
    }

    public static ObjectNode run(Progress progress) {
        try (TestDomain dom = TestDomain.builder().diskMiB(DISK_MIB).create()) {
            SimulatorVsQemu b = new SimulatorVsQemu(dom);
            return b.workload(progress);
        }
    }

    private ObjectNode workload(Progress progress) {
        Path dir = dom.dir();
        String base = dom.basePath(DISK).toString();
        String o1 = dir.resolve("o1.qcow2").toString();
        String o2 = dir.resolve("o2.qcow2").toString();
        String o3 = dir.resolve("o3.qcow2").toString();
        String o4 = dir.resolve("o4.qcow2").toString();

        write(0, 48);
        snapshot(o1);
        write(32, 32);
        write(128, 8);
        snapshot(o2);
        write(40, 16);
        write(200, 16);
        snapshot(o3);
        write(0, 8);
        write(60, 8);
        write(300, 8);
        snapshot(o4);
        write(100, 24);
        write(310, 16);

        job(progress, "shallow commit of o2 into o1", () -> sim.commit(o2, o1, o3),
                List.of("blockcommit", dom.name(), DISK, "--top", o2, "--base", o1, "--wait"));
        job(progress, "pull of o3 into the active o4 (base o1)", () -> sim.pull(o4, o1),
                List.of("blockpull", dom.name(), DISK, "--base", o1, "--wait"));
        job(progress, "active commit of o4 into o1, pivot", () -> sim.activeCommit(o4, o1),
                List.of("blockcommit", dom.name(), DISK, "--active", "--base", o1, "--pivot", "--wait"));
        write(400, 8);
        job(progress, "full pull into the active o1 (no base)", () -> sim.pull(o1, null),
                List.of("blockpull", dom.name(), DISK, "--wait"));

        double worst = 0;
        for (var j : jobs) {
            worst = Math.max(worst, Math.abs(j.get("deviation").asDouble()));
        }
        ObjectNode out = JSON.objectNode();
        out.put("diskBytes", DISK_MIB * MIB);
        out.put("clusterBytes", sim.clusterSize());
        out.put("measure", "wchar of the domain's QEMU process (/proc/PID/io) across the job: the data the job"
                + " writes plus the qcow2 metadata it updates; the guest has no OS and writes nothing meanwhile");
        out.set("jobs", jobs);
        out.put("worstDeviation", worst);
        out.put("target", "every job within 5 % of the simulator's prediction");
        out.put("met", worst <= TOLERANCE);
        return out;
    }

    /** The guest writes {@code mib} MiB at {@code atMib} MiB; so does the simulator. */
    private void write(long atMib, long mib) {
        dom.write(DISK, pattern, atMib + "M", mib + "M");
        sim.write(sim.activeImages().first(), atMib * MIB, mib * MIB, token);
        pattern++;
        token++;
    }

    /** A disk-only snapshot by hand (virsh's --no-metadata) onto {@code overlay}. */
    private void snapshot(String overlay) {
        String active = sim.activeImages().first();
        dom.externalSnapshot(Map.of(DISK, Path.of(overlay)));
        sim.createOverlay(overlay, active);
        sim.pivot(active, overlay);
    }

    private void job(Progress progress, String what, LongSupplier simulate, List<String> virsh) {
        long predicted = simulate.getAsLong();
        dom.flush(DISK);
        long before = qemu.bytesWritten();
        Command c = Virsh.run(virsh);
        long written = qemu.bytesWritten() - before;
        double deviation = predicted == 0 ? (written == 0 ? 0 : Double.POSITIVE_INFINITY)
                : (double) (written - predicted) / predicted;
        progress.say(String.format("  2: %-42s predicted %5.1f MiB, QEMU wrote %5.1f MiB (%+.2f %%)", what,
                predicted / (double) MIB, written / (double) MIB, deviation * 100));
        ObjectNode j = jobs.addObject();
        j.put("job", what);
        j.put("virsh", String.join(" ", virsh.subList(0, 1)) + " " + String.join(" ",
                virsh.subList(3, virsh.size())).replace(dom.dir() + "/", ""));
        j.put("predictedBytes", predicted);
        j.put("qemuWroteBytes", written);
        j.put("deviation", deviation);
        j.put("seconds", Math.round(c.seconds() * 100) / 100.0);
    }
}
