package dev.virtchain.daemon.ledger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The frame's edges, byte by byte: what mutation testing found the format tests did not pin. */
class LedgerFrameTest {
    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theXmlOfEarlierReleasesIsReadWithABomAndLeadingWhiteSpace() {
        for (String text : new String[] {"<l/>", " \t\r\n<l/>", "\uFEFF<l/>", "\uFEFF \n<l/>"}) {
            LedgerFrame.Unwrapped u = LedgerFrame.unwrap(bytes(text), "t");
            assertEquals(LedgerFrame.FORMAT_PLAIN_XML, u.format(), text);
            assertArrayEquals(bytes(text), u.body(), text);
        }
    }

    @Test
    void whiteSpaceAloneOrOtherTextIsNotALedger() {
        for (String text : new String[] {"", " ", "\uFEFF", "\uFEFF  ", "x<l/>", "  x"}) {
            LedgerFileException e = assertThrows(LedgerFileException.class,
                    () -> LedgerFrame.unwrap(bytes(text), "t"), "'" + text + "'");
            assertEquals(LedgerFileException.Kind.DAMAGED, e.kind());
        }
    }

    @Test
    void everyCutOfAFramedFileIsCalledTruncatedOrTornNeverRead() {
        byte[] file = LedgerFrame.wrap(7, bytes("<ledger/>"));
        assertEquals(7, LedgerFrame.unwrap(file, "t").generation());
        for (int n = 0; n < file.length; n++) {
            byte[] cut = Arrays.copyOf(file, n);
            LedgerFileException e = assertThrows(LedgerFileException.class, () -> LedgerFrame.unwrap(cut, "t"),
                    "cut at " + n);
            assertEquals(LedgerFileException.Kind.DAMAGED, e.kind());
            if (n > 0) {
                assertTrue(e.getMessage().contains("truncated"), n + ": " + e.getMessage());
            }
        }
        byte[] longer = Arrays.copyOf(file, file.length + 1);
        assertTrue(assertThrows(LedgerFileException.class, () -> LedgerFrame.unwrap(longer, "t")).getMessage()
                .contains("torn"));
    }
}
