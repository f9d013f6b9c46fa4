package dev.virtchain.model.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ClusterMapTest {

    @Test
    void behavesLikeAMapThroughManyGrowths() {
        ClusterMap map = new ClusterMap();
        Map<Integer, Long> reference = new HashMap<>();
        Random random = new Random(7);
        for (int i = 0; i < 200_000; i++) {
            int cluster = random.nextInt(1 << 20);
            long token = random.nextLong();
            if (random.nextBoolean()) {
                map.put(cluster, token);
                reference.put(cluster, token);
            } else {
                map.putIfAbsent(cluster, token);
                reference.putIfAbsent(cluster, token);
            }
        }
        assertEquals(reference.size(), map.size());
        Map<Integer, Long> seen = new HashMap<>();
        map.forEach(seen::put);
        assertEquals(reference, seen);
        for (int c = 0; c < 1000; c++) {
            assertEquals(reference.containsKey(c), map.contains(c));
            assertEquals(reference.getOrDefault(c, 0L), map.get(c));
        }
    }

    @Test
    void aCopyIsIndependent() {
        ClusterMap map = new ClusterMap();
        map.put(1, 10);
        ClusterMap copy = map.copy();
        copy.put(1, 11);
        copy.put(2, 12);

        assertEquals(10, map.get(1));
        assertFalse(map.contains(2));
        assertEquals(2, copy.size());
    }

    @Test
    void aSharedMapIsReadOnly() {
        ClusterMap map = new ClusterMap();
        map.put(0, 1);
        map.share();

        assertTrue(map.isShared());
        assertThrows(IllegalStateException.class, () -> map.put(0, 2));
        assertFalse(map.copy().isShared());
    }
}
