package dev.virtchain.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

class LogScopeTest {

    @Test
    @SuppressWarnings("try")
    void scopesNestAndRestore() {
        MDC.clear();
        try (LogScope outer = LogScope.domain("web-1").and(LogScope.OP, "prune")) {
            assertEquals("web-1", MDC.get("domain"));
            try (LogScope inner = LogScope.disk("vda").and(LogScope.OP, "commit")) {
                assertEquals("web-1", MDC.get("domain"));
                assertEquals("vda", MDC.get("disk"));
                assertEquals("commit", MDC.get("op"));
            }
            assertNull(MDC.get("disk"));
            assertEquals("prune", MDC.get("op"));
            try (LogScope none = LogScope.domain(null)) {
                assertNull(MDC.get("domain"));
            }
            assertEquals("web-1", MDC.get("domain"));
        }
        assertNull(MDC.get("domain"));
        assertNull(MDC.get("op"));
    }
}
