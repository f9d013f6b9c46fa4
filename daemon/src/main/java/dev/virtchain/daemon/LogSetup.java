package dev.virtchain.daemon;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.status.NopStatusListener;
import org.slf4j.Logger;

/**
 * virtchaind's logging, set up in code (logback finds this class through its {@code Configurator}
 * service). It logs to stdout; under systemd, journald stores it ({@code journalctl -u virtchaind}).
 * Each line names the domain, disk and operation it concerns when the code set them
 * ({@link LogScope}), so {@code journalctl -u virtchaind | grep domain=web-1} follows one domain.
 * The level is INFO, or {@code VIRTCHAIN_LOG_LEVEL} from the environment (e.g. a unit drop-in
 * with {@code Environment=VIRTCHAIN_LOG_LEVEL=DEBUG}). Quartz's own INFO lines (a dozen at its
 * start) are left out; its warnings still show.
 *
 * <p>Why not a logback.xml: reading one loads logback's XML configurator (155 classes), about
 * 90 ms of every start. A JVM given {@code -Dlogback.configurationFile} still gets that file.
 */
public final class LogSetup extends ContextAwareBase implements Configurator {
    /** {@code %replace} drops " domain=" etc. when the key is not set. */
    static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{0}"
            + "%replace( domain=%X{domain}){' domain=$', ''}%replace( disk=%X{disk}){' disk=$', ''}"
            + "%replace( op=%X{op}){' op=$', ''}: %msg%n";
    static final String LEVEL_VARIABLE = "VIRTCHAIN_LOG_LEVEL";

    public LogSetup() {
    }

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        context.getStatusManager().add(new NopStatusListener());
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stdout = new ConsoleAppender<>();
        stdout.setContext(context);
        stdout.setName("STDOUT");
        stdout.setEncoder(encoder);
        stdout.start();
        context.getLogger("org.quartz").setLevel(Level.WARN);
        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(level(System.getProperty(LEVEL_VARIABLE, System.getenv(LEVEL_VARIABLE))));
        root.addAppender(stdout);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** The level named (any case), INFO when unset or not a level. */
    static Level level(String name) {
        return name == null || name.isBlank() ? Level.INFO : Level.toLevel(name.trim(), Level.INFO);
    }
}
