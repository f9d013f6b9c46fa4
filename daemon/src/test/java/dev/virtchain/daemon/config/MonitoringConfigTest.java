package dev.virtchain.daemon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code metrics-listen}, {@code manage}, {@code manage-match} and {@code manage-exclude} in {@code [daemon]}. */
class MonitoringConfigTest {
    private static final Path FILE = Path.of("/etc/virtchain/virtchaind.conf");

    private static DaemonConfig parse(String text) throws ConfigException {
        return ConfigFile.parse(FILE, text.lines().toList());
    }

    private static ConfigException refused(String text) {
        return assertThrows(ConfigException.class, () -> parse(text));
    }

    @Test
    void metricsListenDefaultsToLoopbackAndCanBeTurnedOff() throws Exception {
        assertEquals(Optional.of(new MetricsListen("127.0.0.1", 9477)), parse("").metricsListen());
        assertEquals(Optional.of(MetricsListen.DEFAULT), DaemonConfig.defaults().metricsListen());
        assertEquals(Optional.empty(), parse("[daemon]\nmetrics-listen = none\n").metricsListen());
        assertEquals(Optional.of(new MetricsListen("0.0.0.0", 9100)), parse("[daemon]\nmetrics-listen = 0.0.0.0:9100\n").metricsListen());
        assertEquals(Optional.of(new MetricsListen("::1", 9477)), parse("[daemon]\nmetrics-listen = [::1]:9477\n").metricsListen());
        assertEquals("[::1]:9477", new MetricsListen("::1", 9477).toString());
    }

    @Test
    void metricsListenTakesOnlyAnAddressLiteralAndAPort() {
        for (String bad : List.of("localhost:9477", "example.org:80", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000",
                "300.1.1.1:9477", "::1:9477", ":9477")) {
            ConfigException e = refused("[daemon]\nmetrics-listen = " + bad + "\n");
            assertTrue(e.getMessage().contains("metrics-listen") && e.getMessage().contains(".conf:2: metrics-listen"), e.getMessage());
        }
    }

    @Test
    void everyDomainIsManagedByDefault() throws Exception {
        DomainSelection s = parse("").manage();
        assertEquals(DomainSelection.ALL, s);
        assertEquals(new DomainSelection.Verdict(true, "manage = all"), s.judge("anything", List.of(), false));
    }

    @Test
    void excludeWinsOverEveryMode() throws Exception {
        DomainSelection s = parse("[daemon]\nmanage-exclude = test-* scratch\n").manage();
        assertEquals(new DomainSelection.Verdict(false, "excluded by manage-exclude 'test-*'"),
                s.judge("test-1", List.of(), true));
        assertFalse(s.judge("scratch", List.of(), true).managed());
        assertTrue(s.judge("web1", List.of(), false).managed());
    }

    @Test
    void matchModeManagesNamesMatchingAPattern() throws Exception {
        DomainSelection s = parse("[daemon]\nmanage = match\nmanage-match = web-* db?\nmanage-exclude = web-old\n").manage();
        assertEquals(new DomainSelection.Verdict(true, "matches manage-match 'web-*'"), s.judge("web-1", List.of(), false));
        assertTrue(s.judge("db1", List.of(), false).managed());
        assertEquals(new DomainSelection.Verdict(false, "matches none of manage-match 'web-*', 'db?'"),
                s.judge("mail", List.of(), false));
        assertFalse(s.judge("web-old", List.of(), false).managed());
        assertFalse(s.readsMetadata());
    }

    @Test
    void policyModeManagesDomainsAPolicyAppliesTo() throws Exception {
        DaemonConfig c = parse("[daemon]\nmanage = policy\n\n[policy nightly]\nmatch = web-*\nschedule = @daily\n");
        DomainSelection s = c.manage();
        assertTrue(s.readsMetadata());
        assertEquals(new DomainSelection.Verdict(true, "policy 'nightly' matches it (manage = policy)"),
                s.judge("web-1", c.policies(), false));
        assertTrue(s.judge("db1", c.policies(), true).why().contains("its own policy"));
        DomainSelection.Verdict none = s.judge("db1", c.policies(), false);
        assertFalse(none.managed());
        assertTrue(none.why().startsWith("no policy applies to it"), none.why());
    }

    @Test
    void selectionMistakesNameTheKeyAndLine() {
        ConfigException mode = refused("[daemon]\nmanage = some\n");
        assertTrue(mode.getMessage().contains("manage") && mode.getMessage().contains("all, policy or match"),
                mode.getMessage());
        ConfigException noPatterns = refused("[daemon]\nmanage = match\n");
        assertTrue(noPatterns.getMessage().contains("manage-match"), noPatterns.getMessage());
        ConfigException unused = refused("[daemon]\nmanage-match = web-*\n");
        assertTrue(unused.getMessage().contains(".conf:2: manage-match") && unused.getMessage().contains("manage = match"),
                unused.getMessage());
        ConfigException glob = refused("[daemon]\nmanage-exclude = [abc\n");
        assertTrue(glob.getMessage().contains("manage-exclude"), glob.getMessage());
    }
}
