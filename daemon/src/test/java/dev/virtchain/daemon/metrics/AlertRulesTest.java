package dev.virtchain.daemon.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The shipped alert rules (docs/monitoring) pass {@code promtool check rules} and their unit
 * tests ({@code promtool test rules}), and name only metrics the daemon exports: a metric renamed
 * in the code without the rules would leave an alert that can never fire.
 */
class AlertRulesTest {
    static final Path DIR = Path.of("..", "docs", "monitoring").toAbsolutePath().normalize();
    static final Path RULES = DIR.resolve("virtchain-rules.yml");
    static final Path TESTS = DIR.resolve("virtchain-rules.test.yml");

    @Test
    void promtoolChecksTheRules() {
        String out = promtool(List.of("check", "rules", RULES.toString()));
        assertTrue(out.contains("SUCCESS"), out);
    }

    @Test
    void everyRulePassesItsUnitTests() {
        String out = promtool(List.of("test", "rules", TESTS.toString()));
        assertTrue(out.contains("SUCCESS"), out);
    }

    @Test
    void everyAlertHasAUnitTest() throws IOException {
        Set<String> alerts = matches(Files.readString(RULES), Pattern.compile("- alert: (\\w+)"));
        Set<String> tested = matches(Files.readString(TESTS), Pattern.compile("alertname: (\\w+)"));
        assertFalse(alerts.isEmpty());
        assertEquals(alerts, tested, "alerts without a test, or tests of alerts that do not exist");
    }

    @Test
    void theRulesNameOnlyMetricsTheDaemonExports() throws Exception {
        String exposition = Exposition.text(new DaemonMetrics(new DaemonMetricsTest.Fixed()).collect());
        Set<String> exported = matches(exposition, Pattern.compile("(?m)^(virtchain_\\w+)"));
        for (String used : matches(Files.readString(RULES), Pattern.compile("(virtchain_[a-z_]+)"))) {
            assertTrue(exported.contains(used), "the rules use " + used + ", which the daemon does not export;"
                    + " it exports " + exported);
        }
    }

    private static Set<String> matches(String text, Pattern p) {
        Set<String> out = new TreeSet<>();
        Matcher m = p.matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /** Runs promtool in the rules' directory; fails the test with its output unless it exits 0. */
    private static String promtool(List<String> args) {
        List<String> command = new java.util.ArrayList<>(List.of(Exposition.promtool()));
        command.addAll(args);
        try {
            Process p = new ProcessBuilder(command).directory(DIR.toFile()).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("promtool " + args + " did not finish within 120 s");
            }
            assertEquals(0, p.exitValue(), "promtool " + String.join(" ", args) + " failed:\n" + out);
            return out;
        } catch (IOException e) {
            throw new AssertionError("cannot run promtool (Debian's prometheus package; scripts/test installs it): "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
