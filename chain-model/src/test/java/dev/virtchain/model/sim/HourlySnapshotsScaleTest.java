package dev.virtchain.model.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The size benchmarks run at: a 64 GiB disk in 64 KiB clusters, a base holding 10^5 of them,
 * 30 days of hourly snapshots with the newest 24 kept. Guards the simulator's cost (this must
 * stay a matter of seconds) and its correctness at that size.
 */
class HourlySnapshotsScaleTest {

    private static final long DISK = 64L << 30;
    private static final int CLUSTER = SimulatedHost.DEFAULT_CLUSTER_SIZE;
    private static final int CLUSTERS = (int) (DISK / CLUSTER);

    @Test
    void thirtyDaysOfHourlySnapshotsKeepingADay() {
        Random random = new Random(42);
        SimulatedHost host = new SimulatedHost();
        Map<Integer, Long> expected = new HashMap<>();
        host.createBase("disk", ImageFormat.QCOW2, DISK);
        for (int i = 0; i < 100_000; i++) {
            write(host, "disk", random.nextInt(CLUSTERS), 1, expected);
        }
        host.activate("disk");
        Deque<String> holders = new ArrayDeque<>();
        String active = "disk";
        long estimated = 0;
        for (int hour = 1; hour <= 720; hour++) {
            for (int w = 0; w < 200; w++) {
                // Most writes hit a hot working set, some land anywhere.
                int cluster = random.nextInt(10) < 8 ? random.nextInt(5_000)
                        : random.nextInt(CLUSTERS);
                write(host, active, cluster, hour + 1, expected);
            }
            String overlay = "disk." + hour;
            host.createOverlay(overlay, active);
            host.pivot(active, overlay);
            holders.addLast(active);
            active = overlay;
            if (holders.size() > 24) {
                // The oldest snapshot is held by the base; the next one is committed into it.
                holders.removeFirst();
                String next = holders.peekFirst();
                estimated += host.bytesCommitWouldCopy(next, "disk");
                host.commit(next, "disk");
                host.unlink(next);
                holders.removeFirst();
                holders.addFirst("disk");
            }
        }

        assertEquals(25, host.chain(active).size(), "24 holders and the active image");
        assertEquals(estimated, host.bytesCopied(Operation.Commit.class));
        assertTrue(host.bytesCopied() > 0);
        View view = host.view(active);
        for (Map.Entry<Integer, Long> e : expected.entrySet()) {
            assertEquals(e.getValue(), view.tokenAt((long) e.getKey() * CLUSTER));
        }
        assertEquals(expected.size() * (long) CLUSTER, view.nonZeroBytes());
        host.checkInvariants();
    }

    private static void write(SimulatedHost host, String image, int cluster, long token,
                              Map<Integer, Long> expected) {
        host.write(image, (long) cluster * CLUSTER, CLUSTER, token);
        expected.put(cluster, token);
    }
}
