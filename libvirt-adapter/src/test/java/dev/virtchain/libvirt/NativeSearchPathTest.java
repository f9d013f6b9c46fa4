package dev.virtchain.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The directories named to JNA instead of asking {@code ldconfig -p} must hold the libraries the
 * daemon loads: libvirt's is found in them on this machine, and a setting given to the JVM wins.
 */
class NativeSearchPathTest {
    private static final String PROPERTY = "jna.platform.library.path";
    private String before;

    @BeforeEach
    void saveSetting() {
        before = System.getProperty(PROPERTY);
        System.clearProperty(PROPERTY);
    }

    @AfterEach
    void restoreSetting() {
        if (before == null) {
            System.clearProperty(PROPERTY);
        } else {
            System.setProperty(PROPERTY, before);
        }
    }

    @Test
    void namesExistingDirectoriesThatHoldLibvirt() {
        NativeSearchPath.useKnownDirectories();
        String set = System.getProperty(PROPERTY);
        assertTrue(set != null && !set.isEmpty(), "no directories named on " + System.getProperty("os.arch"));
        List<Path> dirs = Arrays.stream(set.split(":")).map(Path::of).toList();
        assertTrue(dirs.stream().allMatch(Files::isDirectory), set);
        assertEquals(dirs.size(), dirs.stream().distinct().count(), "named once each: " + set);
        assertTrue(dirs.stream().anyMatch(d -> Files.exists(d.resolve("libvirt.so.0"))),
                "libvirt's library is in none of " + set + ": JNA would not find it without ldconfig");
    }

    @Test
    void aSettingGivenToTheJvmIsKept() {
        System.setProperty(PROPERTY, "/opt/own/lib");
        NativeSearchPath.useKnownDirectories();
        assertEquals("/opt/own/lib", System.getProperty(PROPERTY));
        assertFalse(System.getProperty(PROPERTY).contains("linux-gnu"));
    }
}
