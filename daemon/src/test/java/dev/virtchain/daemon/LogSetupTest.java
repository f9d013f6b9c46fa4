package dev.virtchain.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.ConsoleAppender;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The daemon's logging as logback sets it up from {@link LogSetup}: the line journald stores, and the levels. */
class LogSetupTest {

    @Test
    void theDaemonsLoggingComesFromLogSetup() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        var stdout = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender("STDOUT");
        assertTrue(stdout instanceof ConsoleAppender<?>, "root logs to stdout: " + stdout);
        var encoder = (PatternLayoutEncoder) ((ConsoleAppender<?>) stdout).getEncoder();
        assertEquals(LogSetup.PATTERN, encoder.getPattern());
        assertEquals(Level.WARN, context.getLogger("org.quartz").getLevel());
    }

    @Test
    void aLineNamesTheDomainDiskAndOperationOnlyWhenSet() throws Exception {
        LoggerContext context = new LoggerContext();
        LogbackMDCAdapter mdc = new LogbackMDCAdapter();
        context.setMDCAdapter(mdc);
        PrintStream realOut = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            new LogSetup().configure(context);
            var log = context.getLogger("dev.virtchain.daemon.exec.OperationRunner");
            log.info("plain");
            mdc.put("domain", "web1");
            mdc.put("op", "op-7");
            log.warn("scoped");
            mdc.clear();
            context.getLogger("org.quartz.core.QuartzScheduler").info("quartz chatter");
            log.debug("not at INFO");
        } finally {
            System.setOut(realOut);
            context.stop();
        }
        List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
        String stamp = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d)";
        String thread = "\\[" + java.util.regex.Pattern.quote(Thread.currentThread().getName()) + "]";
        assertEquals(2, lines.size(), "quartz's INFO and DEBUG lines are left out: " + lines);
        assertTrue(lines.get(0).matches(stamp + " INFO  " + thread + " OperationRunner: plain"), lines.get(0));
        assertTrue(lines.get(1).matches(stamp + " WARN  " + thread + " OperationRunner domain=web1 op=op-7: scoped"),
                lines.get(1));
    }

    @Test
    void theLevelComesFromTheEnvironmentAndFallsBackToInfo() {
        assertEquals(Level.INFO, LogSetup.level(null));
        assertEquals(Level.INFO, LogSetup.level(" "));
        assertEquals(Level.DEBUG, LogSetup.level("debug"));
        assertEquals(Level.WARN, LogSetup.level(" WARN "));
        assertEquals(Level.INFO, LogSetup.level("loud"));
    }
}
