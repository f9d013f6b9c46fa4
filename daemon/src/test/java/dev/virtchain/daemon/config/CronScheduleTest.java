package dev.virtchain.daemon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CronScheduleTest {

    @ParameterizedTest(name = "''{0}'' -> ''{1}''")
    @CsvSource(delimiter = '|', value = {
            "*/5 * * * *        | 0 */5 * * * ?",
            "30 2 * * *         | 0 30 2 * * ?",
            "0 0 1 * *          | 0 0 0 1 * ?",
            "0 0 L * *          | 0 0 0 L * ?",
            // crontab counts Sunday as 0 or 7, Quartz as 1
            "0 0 * * 0          | 0 0 0 ? * 1",
            "0 0 * * 7          | 0 0 0 ? * 1",
            "0 9 * * 1-5        | 0 0 9 ? * 2-6",
            "0 9 * * MON-FRI    | 0 0 9 ? * 2-6",
            "0 9 * * mon,wed    | 0 0 9 ? * 2,4",
            "0 9 * * 5-7        | 0 0 9 ? * 1,6,7",
            "0 9 * * FRI-SUN    | 0 0 9 ? * 1,6,7",
            "0 9 * * */2        | 0 0 9 ? * 1,3,5,7",
            "0 9 * * 1-5/2      | 0 0 9 ? * 2,4,6",
            "0 9 * * 0-6        | 0 0 9 * * ?",
            "15 3 * 1,7 6       | 0 15 3 ? 1,7 7",
            "@daily             | 0 0 0 * * ?",
            "@hourly            | 0 0 * * * ?",
            "@weekly            | 0 0 0 ? * 1",
            "@monthly           | 0 0 0 1 * ?",
            "@yearly            | 0 0 0 1 1 ?",
            // Quartz expressions pass through unchanged
            "*/1 * * * * ?      | */1 * * * * ?",
            "0 0 12 ? * 6#3     | 0 0 12 ? * 6#3",
            "0 0 12 * * ? 2099  | 0 0 12 * * ? 2099",
    })
    void convertsCrontabToQuartz(String source, String quartz) throws Exception {
        CronSchedule s = CronSchedule.parse(source);
        assertEquals(quartz, s.quartzExpression());
        assertEquals(source, s.source());
        s.expression(); // Quartz accepts it
    }

    @Test
    void refusesBothDayFieldsRestricted() {
        InvalidCronException e = assertThrows(InvalidCronException.class, () -> CronSchedule.parse("0 0 1 * 1"));
        assertTrue(e.getMessage().contains("both day-of-month and day-of-week"), e.getMessage());
        assertEquals("0 0 1 * 1", e.expression());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "* * * *", "* * * * * * * *", "61 * * * *", "0 25 * * *", "0 0 * * 8",
            "0 0 * * MON-", "0 0 * * L", "@reboot", "@fortnightly", "0 0 0 * * *", "0 0 12 * * ? 1999"})
    void rejectsWhatIsNotASchedule(String text) {
        InvalidCronException e = assertThrows(InvalidCronException.class, () -> CronSchedule.parse(text));
        assertTrue(e.getMessage().startsWith("invalid schedule '" + text.trim() + "'"), e.getMessage());
    }
}
