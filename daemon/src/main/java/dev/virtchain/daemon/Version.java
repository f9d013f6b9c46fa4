package dev.virtchain.daemon;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version Maven built, read from a resource it filtered (the class directory has no manifest). */
public final class Version {

    private Version() {
    }

    public static String current() {
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
