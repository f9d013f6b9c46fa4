package dev.virtchain.daemon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DomainPatternTest {

    @ParameterizedTest(name = "''{0}'' ~ ''{1}'' = {2}")
    @CsvSource({
            "*,        anything,    true",
            "web-*,    web-1,       true",
            "web-*,    web-,        true",
            "web-*,    db-1,        false",
            "web-*,    xweb-1,      false",
            "web-?,    web-1,       true",
            "web-?,    web-12,      false",
            "web-[12], web-2,       true",
            "web-[12], web-3,       false",
            "web-[!12], web-3,      true",
            "web-[a-c], web-b,      true",
            "db.prod,  db.prod,     true",
            "db.prod,  dbXprod,     false",
            "vm(1),    vm(1),       true",
            "a+b,      aab,         false",
    })
    void matchesWholeNames(String glob, String name, boolean expected) {
        assertEquals(expected, new DomainPattern(glob).matches(name));
    }

    /** A domain's own policy matches its name alone, whatever characters the name holds. */
    @ParameterizedTest(name = "exactly ''{0}''")
    @CsvSource({"db*", "web-?", "vm[1]", "half[open", "[!x]", "a]b", "plain"})
    void exactlyMatchesTheNameAndNothingElse(String name) {
        DomainPattern p = DomainPattern.exactly(name);
        assertEquals(true, p.matches(name));
        for (String other : new String[] {name + "x", "x" + name, name.replaceAll("[^a-z]", "x"), "db1", "web-1",
                "vm1", "x", "a]b" + "]"}) {
            if (!other.equals(name)) {
                assertEquals(false, p.matches(other), other);
            }
        }
    }

    @org.junit.jupiter.api.Test
    void refusesAnUnclosedSet() {
        ConfigInvalid e = assertThrows(ConfigInvalid.class, () -> new DomainPattern("web-[12"));
        assertEquals("'[' at position 5 in 'web-[12' has no closing ']'", e.getMessage());
    }
}
