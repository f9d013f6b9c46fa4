package dev.virtchain.daemon.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtchain.daemon.LogScope;
import dev.virtchain.daemon.config.CronSchedule;
import dev.virtchain.daemon.config.DomainPattern;
import dev.virtchain.daemon.config.Policy;
import dev.virtchain.daemon.config.Quiesce;
import dev.virtchain.daemon.config.Retention;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.MDC;

/** Real Quartz on compressed schedules (every second) with a recording PolicyRun. */
@Timeout(60)
class PolicyScheduleTest {

    @TempDir
    Path stateDir;

    private final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
    private final List<String> mdcDomains = new CopyOnWriteArrayList<>();
    private PolicySchedule schedule;

    @AfterEach
    void close() {
        if (schedule != null) {
            schedule.close(Duration.ofSeconds(5));
        }
    }

    static Policy policy(String name, String cron) throws Exception {
        return new Policy(name, new DomainPattern("*"), CronSchedule.parse(cron), Quiesce.AUTO, Retention.KEEP_ALL, 0);
    }

    /** Counts runs per "policy/domain"; domains named bad-* fail. */
    private void record(String domain, Policy policy) {
        mdcDomains.add(String.valueOf(MDC.get(LogScope.DOMAIN)));
        runs.computeIfAbsent(policy.name() + "/" + domain, k -> new AtomicInteger()).incrementAndGet();
        if (domain.startsWith("bad-")) {
            throw new IllegalStateException("guest agent did not answer in " + domain);
        }
    }

    private int count(String key) {
        AtomicInteger n = runs.get(key);
        return n == null ? 0 : n.get();
    }

    private PolicySchedule newSchedule() throws Exception {
        return new PolicySchedule(stateDir, this::record, Clock.systemUTC(), 2);
    }

    @Test
    void runsEveryCycleAndOneFailingRunDoesNotStopAnother() throws Exception {
        Policy fast = policy("fast", "*/1 * * * * ?");
        schedule = newSchedule();
        schedule.assign(Assignments.byPattern(List.of(fast), List.of("good-1", "bad-1")));
        schedule.start();

        await(() -> count("fast/good-1") >= 3 && count("fast/bad-1") >= 3, Duration.ofSeconds(15));

        Map<String, AssignmentStatus> status = byDomain(schedule.status());
        AssignmentStatus good = status.get("good-1");
        assertEquals("fast", good.policy());
        assertEquals("*/1 * * * * ?", good.schedule());
        assertNotNull(good.lastSuccess());
        assertNull(good.lastFailure());
        assertNotNull(good.nextRun());
        AssignmentStatus bad = status.get("bad-1");
        assertNull(bad.lastSuccess());
        assertNotNull(bad.lastFailure());
        assertEquals("guest agent did not answer in bad-1", bad.lastFailureMessage());
        assertTrue(mdcDomains.containsAll(List.of("good-1", "bad-1")), "runs see their domain in the log context");

        JsonNode file = new ObjectMapper().readTree(stateDir.resolve(PolicySchedule.RECORD_FILE).toFile());
        assertEquals("guest agent did not answer in bad-1", file.at("/runs/fast/bad-1/lastFailureMessage").asText());
    }

    @Test
    void aMissedRunFiresOnceNotOncePerMissedTick() throws Exception {
        Policy yearly = policy("yearly", "0 0 0 1 1 ? *"); // New Year only: never due during the test
        Instant now = Instant.now();
        Instant threeYearsAgo = now.minus(3 * 366, ChronoUnit.DAYS);
        Files.writeString(stateDir.resolve(PolicySchedule.RECORD_FILE), """
                {"version":1,"runs":{"yearly":{
                  "missed":{"since":"%s","lastFire":"%s"},
                  "recent":{"since":"%s","lastFire":"%s"}}}}
                """.formatted(threeYearsAgo, threeYearsAgo, threeYearsAgo, now.minusSeconds(60)));

        schedule = newSchedule();
        schedule.assign(Assignments.byPattern(List.of(yearly), List.of("missed", "recent", "new")));
        schedule.start();

        await(() -> count("yearly/missed") >= 1, Duration.ofSeconds(10));
        Thread.sleep(1500); // room for any wrong extra fire
        assertEquals(1, count("yearly/missed"), "three missed New Years, one catch-up run");
        assertEquals(0, count("yearly/recent"), "ran after its last due time: nothing missed");
        assertEquals(0, count("yearly/new"), "a new assignment waits for its schedule");

        Map<String, AssignmentStatus> status = byDomain(schedule.status());
        assertTrue(status.get("missed").lastRun().isAfter(now.minusSeconds(1)));
        assertNotNull(status.get("missed").lastSuccess());
        assertNull(status.get("new").lastRun());
        JsonNode file = new ObjectMapper().readTree(stateDir.resolve(PolicySchedule.RECORD_FILE).toFile());
        assertTrue(file.at("/runs/yearly/new/since").isTextual(), "first sight of 'new' is recorded: " + file);
        assertTrue(file.at("/runs/yearly/new/lastFire").isMissingNode(), file.toString());
    }

    @Test
    void aRestartCatchesUpFromTheRecordedRun() throws Exception {
        // A record says the last run was 3 s ago; an every-second schedule has missed ticks since.
        Policy fast = policy("fast", "*/1 * * * * ?");
        schedule = newSchedule();
        schedule.assign(Assignments.byPattern(List.of(fast), List.of("vm")));
        schedule.start();
        await(() -> count("fast/vm") >= 1, Duration.ofSeconds(10));
        schedule.close(Duration.ofSeconds(5));
        Instant lastRun = byDomain(schedule.status()).get("vm").lastRun();
        assertNotNull(lastRun);

        // Same state directory, new scheduler: the records file is all that survived.
        schedule = newSchedule();
        schedule.assign(Assignments.byPattern(List.of(fast), List.of("vm")));
        AssignmentStatus restored = byDomain(schedule.status()).get("vm");
        assertEquals(lastRun, restored.lastRun());
        assertNotNull(restored.lastSuccess());
    }

    @Test
    void reassigningAddsAndRemovesTriggers() throws Exception {
        Policy fast = policy("fast", "*/1 * * * * ?");
        schedule = newSchedule();
        schedule.start();
        schedule.assign(Assignments.byPattern(List.of(fast), List.of("a")));
        await(() -> count("fast/a") >= 1, Duration.ofSeconds(10));

        schedule.assign(Assignments.byPattern(List.of(fast), List.of("b"))); // "a" undefined, "b" defined
        Thread.sleep(200); // a run of "a" already under way may finish
        int aRuns = count("fast/a");
        await(() -> count("fast/b") >= 2, Duration.ofSeconds(10));
        assertEquals(aRuns, count("fast/a"), "an unassigned domain is not run again");
        assertEquals(List.of("b"), schedule.status().stream().map(AssignmentStatus::domain).toList());

        schedule.assign(List.of());
        assertTrue(schedule.status().isEmpty());
    }

    @Test
    void anUnreadableRecordFileIsMovedAsideNotFatal() throws Exception {
        Files.writeString(stateDir.resolve(PolicySchedule.RECORD_FILE), "{ not json");
        schedule = newSchedule();
        schedule.assign(Assignments.byPattern(List.of(policy("p", "@daily")), List.of("vm")));
        try (Stream<Path> files = Files.list(stateDir)) {
            assertTrue(files.anyMatch(f -> f.getFileName().toString().startsWith(PolicySchedule.RECORD_FILE + ".unreadable-")));
        }
        assertNull(schedule.status().get(0).lastRun());
    }

    @Test
    void missedMeansAFireTimeBetweenTheRecordAndNow() throws Exception {
        Assignment daily = new Assignment(policy("d", "0 3 * * *"), "vm"); // 03:00 every day, local time
        Instant now = Instant.now();
        assertTrue(PolicySchedule.missedSince(daily, now.minus(2, ChronoUnit.DAYS), now));
        assertFalse(PolicySchedule.missedSince(daily, now.minusSeconds(1), now));
        assertFalse(PolicySchedule.missedSince(daily, now, now));
    }

    @Test
    void assignmentsFollowThePatterns() throws Exception {
        Policy web = new Policy("web", new DomainPattern("web-*"), CronSchedule.parse("@hourly"), Quiesce.NO,
                Retention.KEEP_ALL, 0);
        Policy all = new Policy("all", new DomainPattern("*"), CronSchedule.parse("@daily"), Quiesce.NO,
                Retention.KEEP_ALL, 0);
        List<Assignment> a = Assignments.byPattern(List.of(web, all), List.of("web-2", "db-1", "web-1", "web-1"));
        assertEquals(List.of("web/web-1", "web/web-2", "all/db-1", "all/web-1", "all/web-2"),
                a.stream().map(x -> x.policy().name() + "/" + x.domain()).toList());
    }

    private static Map<String, AssignmentStatus> byDomain(List<AssignmentStatus> list) {
        Map<String, AssignmentStatus> m = new ConcurrentHashMap<>();
        list.forEach(s -> m.put(s.domain(), s));
        return m;
    }

    private static void await(BooleanSupplier condition, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + limit);
            }
            Thread.sleep(50);
        }
    }
}
