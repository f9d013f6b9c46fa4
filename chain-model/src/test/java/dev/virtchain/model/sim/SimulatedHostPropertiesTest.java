package dev.virtchain.model.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random trees of images and random operations on them, checking what each operation
 * promises: which views it keeps, that its estimate is what it copies, and that the
 * shortcuts (comparing only the layers two chains do not share) agree with whole views.
 */
class SimulatedHostPropertiesTest {

    private static final int CLUSTER = 512;
    private static final int CLUSTERS = 24;
    private static final long SIZE = (long) CLUSTER * CLUSTERS;

    static LongStream seeds() {
        return LongStream.range(0, 300);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void operationsKeepTheirPromises(long seed) {
        new Run(seed).go();
    }

    private static final class Run {
        final Random random;
        final SimulatedHost host = new SimulatedHost(CLUSTER);
        int names;

        Run(long seed) {
            random = new Random(seed);
        }

        void go() {
            String base = fresh();
            host.createBase(base, random.nextInt(4) == 0 ? ImageFormat.RAW : ImageFormat.QCOW2,
                    SIZE);
            scribble(base);
            host.activate(base);
            for (int step = 0; step < 40; step++) {
                Map<String, View> before = views();
                switch (random.nextInt(11)) {
                    case 0 -> overlay();
                    case 1 -> scribble(any());
                    case 2 -> pull(before);
                    case 3 -> commit(before);
                    case 4 -> rebase(before);
                    case 5 -> copy(before);
                    case 6 -> convertDiff(before);
                    case 7 -> unlink(before);
                    case 8 -> snapshot(before);
                    case 9 -> activeCommit(before);
                    default -> overlay();
                }
                crossCheck();
                host.checkInvariants();
            }
        }

        void overlay() {
            String name = fresh();
            host.createOverlay(name, any());
            scribble(name);
        }

        /** A new overlay on the active image becomes active; the old one holds the moment. */
        void snapshot(Map<String, View> before) {
            String active = host.activeImages().first();
            String overlay = fresh();
            host.createOverlay(overlay, active);
            host.pivot(active, overlay);
            assertEquals(before.get(active), host.view(overlay));
            assertUnchanged(before, List.of());
            scribble(overlay);
        }

        void activeCommit(Map<String, View> before) {
            String active = host.activeImages().first();
            List<String> chain = host.chain(active);
            if (chain.size() < 2) {
                return;
            }
            String base = pick(chain.subList(1, chain.size()), false);
            long estimate = host.bytesCommitWouldCopy(active, base);
            assertEquals(estimate, host.activeCommit(active, base));
            assertEquals(Set.of(base), host.activeImages());
            assertEquals(before.get(active), host.view(base), "the guest sees what it saw");
        }

        void scribble(String image) {
            for (int i = random.nextInt(6); i > 0; i--) {
                int first = random.nextInt(CLUSTERS);
                int count = 1 + random.nextInt(Math.min(4, CLUSTERS - first));
                // Few tokens, so that rewrites with unchanged content and zeroes are common.
                host.write(image, (long) first * CLUSTER, (long) count * CLUSTER,
                        random.nextInt(4));
            }
        }

        void pull(Map<String, View> before) {
            String image = any();
            List<String> chain = host.chain(image);
            String base = pick(chain.subList(1, chain.size()), true);
            long[] depths = host.bytesByDepth(image);
            int baseDepth = base == null ? chain.size() : chain.indexOf(base);
            long fromDepths = 0;
            for (int d = 1; d < baseDepth; d++) {
                fromDepths += depths[d];
            }
            long estimate = host.bytesPullWouldCopy(image, base);
            assertEquals(fromDepths, estimate, "pull cost is the depths between image and base");
            assertEquals(estimate, host.pull(image, base));
            assertUnchanged(before, List.of());
        }

        void commit(Map<String, View> before) {
            String top = any();
            List<String> chain = host.chain(top);
            if (chain.size() < 2) {
                return;
            }
            String base = pick(chain.subList(1, chain.size()), false);
            List<String> children = List.copyOf(host.childrenOf(top));
            boolean named = !children.isEmpty() && random.nextBoolean();
            // Only images whose chain runs through base without going through top may change.
            List<String> exposed = new ArrayList<>();
            for (String image : host.images()) {
                List<String> c = host.chain(image);
                if (c.contains(base) && !c.contains(top)) {
                    exposed.add(image);
                }
            }
            long estimate = host.bytesCommitWouldCopy(top, base);
            long copied = named ? host.commit(top, base, pick(children, false))
                    : host.commit(top, base);
            assertEquals(estimate, copied);
            assertEquals(before.get(top), host.view(base), "base now holds top's point in time");
            assertUnchanged(before, exposed);
        }

        void rebase(Map<String, View> before) {
            String image = any();
            if (host.info(image).format() == ImageFormat.RAW) {
                return;
            }
            List<String> candidates = new ArrayList<>();
            for (String other : host.images()) {
                if (!host.chain(other).contains(image)) {
                    candidates.add(other);
                }
            }
            String onto = pick(candidates, true);
            long estimate = host.bytesRebaseWouldCopy(image, onto);
            assertEquals(estimate, host.rebaseSafe(image, onto));
            assertUnchanged(before, List.of());
        }

        void copy(Map<String, View> before) {
            String source = any();
            String dest = fresh();
            host.copy(source, dest, random.nextBoolean());
            assertEquals(before.get(source), host.view(dest));
            assertUnchanged(before, List.of());
        }

        void convertDiff(Map<String, View> before) {
            String source = any();
            String base = any();
            String dest = fresh();
            long copied = host.convertDiff(source, base, dest);
            assertEquals(before.get(source).bytesDifferentFrom(before.get(base)), copied);
            assertEquals(before.get(source), host.view(dest));
            assertUnchanged(before, List.of());
        }

        void unlink(Map<String, View> before) {
            String image = any();
            if (host.images().size() == 1) {
                return;
            }
            if (host.childrenOf(image).isEmpty() && !host.isActive(image)) {
                host.unlink(image);
                before.remove(image);
            } else {
                assertThrows(RefusedOperationException.class, () -> host.unlink(image));
            }
            assertUnchanged(before, List.of());
        }

        /** Checks the shortcuts and the accounting against whole views, on a random image. */
        void crossCheck() {
            String a = any();
            String b = any();
            assertEquals(host.view(a).equals(host.view(b)), host.sameView(a, b),
                    a + " against " + b);
            SimulatedHost fork = host.fork();
            long everything = fork.copy(a, fresh(), false);
            assertEquals(everything, LongStream.of(host.bytesByDepth(a)).sum(),
                    "a full copy of " + a + " copies every depth");
            assertEquals(host.view(a), fork.view(a));
            assertEquals(0, host.bytesCopied() - host.log().stream()
                    .mapToLong(Operation::bytesCopied).sum());
        }

        void assertUnchanged(Map<String, View> before, List<String> exceptions) {
            for (Map.Entry<String, View> e : before.entrySet()) {
                if (host.exists(e.getKey()) && !exceptions.contains(e.getKey())) {
                    assertEquals(e.getValue(), host.view(e.getKey()),
                            "view of " + e.getKey() + " after " + last());
                }
            }
        }

        Map<String, View> views() {
            Map<String, View> views = new HashMap<>();
            for (String image : host.images()) {
                views.put(image, host.view(image));
            }
            return views;
        }

        Object last() {
            List<Operation> log = host.log();
            return log.get(log.size() - 1);
        }

        String any() {
            return pick(List.copyOf(host.images()), false);
        }

        String pick(List<String> from, boolean orNone) {
            int n = random.nextInt(from.size() + (orNone ? 1 : 0));
            return n == from.size() ? null : from.get(n);
        }

        String fresh() {
            return "img" + names++;
        }
    }
}
