package dev.virtchain.daemon.domains;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtchain.libvirt.DomainSummary;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The start-up check's bookkeeping: each domain checked once, and nobody works on one before its check ends. */
class StartChecksTest {

    private static List<DomainSummary> domains(String... names) {
        List<DomainSummary> out = new ArrayList<>();
        for (String n : names) {
            out.add(new DomainSummary(n, "uuid-" + n, true, true));
        }
        return out;
    }

    /** A started thread waiting up to 30 s for {@code domain}'s check, with how the wait ended in {@code answer}. */
    private static Thread waitFor(StartChecks checks, String domain, AtomicReference<StartChecks.Wait> answer) {
        Thread waiter = new Thread(() -> {
            try {
                answer.set(checks.await(domain, Duration.ofSeconds(30)));
            } catch (InterruptedException e) {
                answer.set(null);
            }
        });
        waiter.start();
        return waiter;
    }

    @Test
    void aDomainIsClaimedOnceWhoeverAsksFirst() throws Exception {
        StartChecks checks = new StartChecks();
        checks.expect(domains("a", "b"));
        int threads = 8;
        AtomicInteger won = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> all = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                all.add(pool.submit(() -> {
                    go.await();
                    checks.claim("a").ifPresent(d -> won.incrementAndGet());
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : all) {
                f.get(10, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, won.get(), "exactly one of " + threads + " callers checks the domain");
        assertTrue(checks.claimed("a"));
        assertFalse(checks.claimed("b"));
        assertEquals("b", checks.claim("b").orElseThrow().name());
    }

    @Test
    void awaitingADomainLastsUntilItsCheckEnds() throws Exception {
        StartChecks checks = new StartChecks();
        checks.expect(domains("a", "b"));
        checks.claim("a").orElseThrow();
        assertEquals(StartChecks.Wait.TIMED_OUT, checks.await("a", Duration.ofMillis(50)),
                "claimed but not finished: not checked yet");

        AtomicReference<StartChecks.Wait> answer = new AtomicReference<>();
        Thread waiter = waitFor(checks, "a", answer);
        waiter.join(100);
        assertTrue(waiter.isAlive(), "a command about the domain waits while its check runs");
        checks.finished("a", null);
        waiter.join(10_000);
        assertEquals(StartChecks.Wait.CHECKED, answer.get());
        assertEquals(1, checks.remaining());
        assertEquals(2, checks.total());
        assertEquals(StartChecks.Wait.CHECKED, checks.await("never-expected", Duration.ZERO),
                "a domain that was never pending is not waited for");
    }

    /** libvirtd could not be reached: the domain is not checked, and whoever waits for it may check it. */
    @Test
    void aCheckGivenBackLeavesTheDomainUncheckedAndWakesItsWaiters() throws Exception {
        StartChecks checks = new StartChecks();
        checks.expect(domains("a", "b"));
        List<List<String>> reports = new ArrayList<>();
        checks.whenAllDone(reports::add);
        checks.claim("a").orElseThrow();

        AtomicReference<StartChecks.Wait> answer = new AtomicReference<>();
        Thread waiter = waitFor(checks, "a", answer);
        waiter.join(100);
        assertTrue(waiter.isAlive());
        checks.release("a");
        waiter.join(10_000);
        assertEquals(StartChecks.Wait.RELEASED, answer.get(), "the waiter is woken to check the domain itself");
        assertEquals(2, checks.remaining(), "a given-back domain is still unchecked");
        assertFalse(checks.claimed("a"));
        assertEquals("a", checks.claim("a").orElseThrow().name(), "the next attempt may claim it");
        assertEquals(StartChecks.Wait.TIMED_OUT, checks.await("a", Duration.ofMillis(20)));

        checks.finished("b", null);
        assertFalse(checks.awaitAll(Duration.ofMillis(50)));
        Thread all = new Thread(() -> {
            try {
                checks.release("a"); // the second attempt fails too
                assertEquals("a", checks.claim("a").orElseThrow().name());
                Thread.sleep(50);
                checks.finished("a", null);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        all.start();
        assertTrue(checks.awaitAll(Duration.ofSeconds(30)), "waiting for all outlasts a given-back attempt");
        all.join(10_000);
        assertEquals(List.of(List.of()), reports, "no problem is reported for an attempt given back");
        checks.release("a");
        assertEquals(0, checks.remaining(), "releasing a checked domain changes nothing");
    }

    @Test
    void theEndIsReportedOnceWithEveryProblemWhoeverFinishesLast() throws Exception {
        StartChecks checks = new StartChecks();
        checks.expect(domains("a", "b", "c"));
        List<List<String>> reports = new ArrayList<>();
        checks.whenAllDone(p -> {
            synchronized (reports) {
                reports.add(p);
            }
        });
        checks.finished("a", "domain a: its chain leads out of the image roots");
        checks.finished("b", null);
        assertEquals(List.of(), reports, "not every domain is checked yet");
        assertFalse(checks.awaitAll(Duration.ofMillis(50)));
        checks.finished("c", null);
        checks.finished("c", null); // a second end of the same check changes nothing
        assertEquals(List.of(List.of("domain a: its chain leads out of the image roots")), reports);
        assertTrue(checks.awaitAll(Duration.ZERO));
        assertEquals(0, checks.remaining());
    }

    @Test
    void nothingToCheckIsReportedAtOnce() {
        StartChecks checks = new StartChecks();
        checks.expect(List.of());
        AtomicInteger calls = new AtomicInteger();
        checks.whenAllDone(p -> calls.incrementAndGet());
        assertEquals(1, calls.get());
        assertTrue(checks.claim("a").isEmpty());
    }
}
