package dev.virtchain.model.retention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RetentionPolicyTest {

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({
            "keepLast,    -1",
            "keepHourly,  -2",
            "keepDaily,   -3",
            "keepWeekly,  -4",
            "keepMonthly, -5",
            "keepYearly,  -6",
            "maxDepth,    -7",
    })
    void aNegativeCountIsRefusedNamingTheFieldAndValue(String field, int value) {
        var e = assertThrows(RetentionException.InvalidPolicy.class, () -> withField(field, value));

        assertEquals(field, e.field());
        assertEquals(value, e.value());
        assertEquals("retention policy " + field + " was " + value + "; it must be 0 (off) or a positive count",
                e.getMessage());
    }

    @Test
    void everyKeepRuleOffMeansKeepEverythingWhateverTheDepthLimit() {
        assertTrue(new RetentionPolicy(0, 0, 0, 0, 0, 0, 0).keepsEverything());
        assertTrue(new RetentionPolicy(0, 0, 0, 0, 0, 0, 5).keepsEverything());
        assertFalse(new RetentionPolicy(0, 0, 0, 0, 0, 1, 0).keepsEverything());
    }

    @Test
    void keepAnswersPerRule() {
        var p = new RetentionPolicy(1, 2, 3, 4, 5, 6, 7);

        assertEquals(1, p.keep(RetentionRule.LAST));
        assertEquals(2, p.keep(RetentionRule.HOURLY));
        assertEquals(3, p.keep(RetentionRule.DAILY));
        assertEquals(4, p.keep(RetentionRule.WEEKLY));
        assertEquals(5, p.keep(RetentionRule.MONTHLY));
        assertEquals(6, p.keep(RetentionRule.YEARLY));
    }

    private static RetentionPolicy withField(String field, int value) {
        int[] v = new int[7];
        int i = switch (field) {
            case "keepLast" -> 0;
            case "keepHourly" -> 1;
            case "keepDaily" -> 2;
            case "keepWeekly" -> 3;
            case "keepMonthly" -> 4;
            case "keepYearly" -> 5;
            case "maxDepth" -> 6;
            default -> throw new IllegalArgumentException(field);
        };
        v[i] = value;
        return new RetentionPolicy(v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
    }
}
