package dev.virtchain.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What client text may be stored, and how it is shown in a log. */
class TextTest {

    private static String of(int... codePoints) {
        return new String(codePoints, 0, codePoints.length);
    }

    @Test
    void printableTextOfEveryScriptIsKeptAsGiven() {
        String text = "nightly before upgrade: 100% ok, café, Ελληνικά, 日本語, emoji \uD83D\uDE80, private \uE000";
        assertSame(text, Text.requirePrintable("description", text, Text.MAX_LENGTH, "web", "s1"));
        assertTrue(Text.isPrintable(text, Text.MAX_LENGTH));
    }

    @ParameterizedTest
    @ValueSource(ints = {0x00, 0x07, 0x09, 0x0A, 0x0D, 0x1B, 0x7F, 0x85, 0x9B})
    void controlCharactersAreRefused(int cp) {
        InvalidText e = refused("ab" + of(cp) + "c");
        assertEquals(OptionalInt.of(3), e.position());
        assertEquals(OptionalInt.of(cp), e.codePoint());
        assertTrue(e.getMessage().contains("control character"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069, 0x200B, 0x200D,
            0x200E, 0xFEFF, 0x00AD, 0xE0001})
    void formatCharactersIncludingBidiOverridesAreRefused(int cp) {
        InvalidText e = refused("x" + of(cp));
        assertEquals(OptionalInt.of(2), e.position());
        assertEquals(OptionalInt.of(cp), e.codePoint());
        assertTrue(e.getMessage().contains("format character"), e.getMessage());
    }

    @Test
    void theMessageNamesFieldDomainSnapshotPositionAndCodePoint() {
        InvalidText e = refused("abc\u202Egpj.exe");
        assertEquals("the description of snapshot s1 in domain web is refused: it contains U+202E"
                + " (RIGHT-TO-LEFT OVERRIDE), a format character (such as a bidi override or a zero-width"
                + " character), at position 4; use printable characters only, on one line, at most the stated"
                + " length", e.getMessage());
        assertEquals("description", e.field());
        assertEquals("web", e.domain().orElseThrow());
        assertEquals("s1", e.snapshot().orElseThrow());
    }

    @ParameterizedTest
    @ValueSource(ints = {0xFFFE, 0xFFFF, 0xFDD0, 0xFDEF, 0x1FFFE, 0x1FFFF, 0x2FFFE, 0xEFFFF, 0x10FFFE, 0x10FFFF})
    void noncharactersOfEveryPlaneAreRefused(int cp) {
        InvalidText e = refused("ok " + of(cp));
        assertEquals(OptionalInt.of(4), e.position());
        assertEquals(OptionalInt.of(cp), e.codePoint());
        assertTrue(e.getMessage().contains("noncharacter"), e.getMessage());
    }

    @Test
    void neighboursOfNoncharactersAreAllowed() {
        assertTrue(Text.isPrintable(of(0xFDCF, 0xFDF0, 0xFFFD, 0x1FFFD, 0x10000), 10));
    }

    @Test
    void loneSurrogatesAreRefusedAndPairsCountAsOne() {
        InvalidText high = refused("a\uD800b");
        assertEquals(OptionalInt.of(0xD800), high.codePoint());
        assertEquals(OptionalInt.of(2), high.position());
        InvalidText low = refused("\uD83D\uDE80\uDC00");
        assertEquals(OptionalInt.of(0xDC00), low.codePoint());
        assertEquals(OptionalInt.of(2), low.position(), "the pair before it is one character");
        assertTrue(low.getMessage().contains("surrogate"), low.getMessage());
    }

    @Test
    void lineAndParagraphSeparatorsAreRefused() {
        assertEquals(OptionalInt.of(0x2028), refused("a\u2028b").codePoint());
        assertEquals(OptionalInt.of(0x2029), refused("a\u2029b").codePoint());
    }

    @Test
    void theLengthIsBoundedInCodePoints() {
        String rockets = "\uD83D\uDE80".repeat(Text.MAX_LENGTH); // 2048 chars, 1024 code points
        assertSame(rockets, Text.requirePrintable("description", rockets, Text.MAX_LENGTH, null, null));
        InvalidText e = assertThrows(InvalidText.class,
                () -> Text.requirePrintable("description", "x".repeat(10 * 1024), Text.MAX_LENGTH, "web", null));
        assertEquals(OptionalInt.empty(), e.position());
        assertTrue(e.getMessage().contains("10240 characters long (at most 1024)"), e.getMessage());
    }

    @Test
    void escapingForALogLineLeavesNoLineBreakNoBidiAndNoForgedEscape() {
        assertEquals("a\\nINFO forged\\r\\t\\u202Eb\\\\u0041\\u0000\\uFFFF\\uD800\\U+10FFFF", Text.escape(
                "a\nINFO forged\r\t\u202Eb\\u0041\u0000\uFFFF\uD800" + of(0x10FFFF)));
        assertEquals("caf\u00e9 \uD83D\uDE80", Text.escape("caf\u00e9 \uD83D\uDE80"));
        assertEquals("(none)", Text.escape(null));
    }

    @Test
    void escapingCapsTheLengthAndSaysHowMuchWasLeftOut() {
        String escaped = Text.escape("y".repeat(10_000));
        assertEquals("y".repeat(Text.LOG_LENGTH) + "...(9800 more characters)", escaped);
        assertFalse(Text.escape("\n".repeat(10_000)).length() > 2 * Text.LOG_LENGTH + 40);
    }

    private static InvalidText refused(String text) {
        return assertThrows(InvalidText.class,
                () -> Text.requirePrintable("description", text, Text.MAX_LENGTH, "web", "s1"));
    }
}
