package dev.virtchain.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class CrashPointsTest {

    @TempDir
    Path dir;

    private ChildJvm probe(String setting) throws Exception {
        Map<String, String> env = setting == null ? Map.of() : Map.of(CrashPoints.ENVIRONMENT_VARIABLE, setting);
        ChildJvm child = ChildJvm.start(CrashProbe.class, List.of(), env, dir.resolve("out-" + System.nanoTime()));
        assertTrue(child.process.waitFor(30, TimeUnit.SECONDS));
        return child;
    }

    @Test
    void theNamedPointHaltsLikeKillDashNine() throws Exception {
        ChildJvm child = probe("after-record");
        assertEquals(CrashPoints.HALT_STATUS, child.process.exitValue());
        String out = child.output();
        assertTrue(out.contains("before 1"), out);
        assertTrue(out.contains("crash point after-record reached (occurrence 1): halting with status 137"), out);
        assertFalse(out.contains("passed 1"), out);
        assertFalse(out.contains("shutdown hook ran"), "no shutdown hooks on a crash: " + out);
    }

    @Test
    void theNthOccurrenceCanBeChosen() throws Exception {
        ChildJvm child = probe("after-record@2");
        assertEquals(137, child.process.exitValue());
        String out = child.output();
        assertTrue(out.contains("passed 1") && out.contains("before 2"), out);
        assertFalse(out.contains("passed 2"), out);
    }

    @Test
    void otherwiseNothingHappens() throws Exception {
        for (String setting : new String[] {null, "", "before-pivot", "after-record@4"}) {
            ChildJvm child = probe(setting);
            assertEquals(0, child.process.exitValue(), setting);
            String out = child.output();
            assertTrue(out.contains("passed 3") && out.contains("shutdown hook ran"), out);
        }
    }

    @Test
    void settingsAreChecked() {
        assertFalse(CrashPoints.parse(" ").armed());
        assertEquals("after-record@1", CrashPoints.parse("after-record").setting());
        assertEquals("a@b@3", CrashPoints.parse("a@b@3").setting());
        for (String bad : new String[] {"x@0", "x@y", "@2", "x@"}) {
            assertThrows(IllegalArgumentException.class, () -> CrashPoints.parse(bad), bad);
        }
    }
}
