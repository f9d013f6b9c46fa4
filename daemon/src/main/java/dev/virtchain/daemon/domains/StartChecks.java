package dev.virtchain.daemon.domains;

import dev.virtchain.libvirt.DomainSummary;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The domains whose start-up check (drift against the ledger, or adoption) has not finished. The
 * daemon is ready before they are all checked; whoever needs one domain first checks it, the
 * background pass or a command about it, and nobody checks a domain twice. A command never works
 * on a domain before its check has ended.
 */
final class StartChecks {

    /** One domain's check: who claimed it, and its end. */
    private record Pending(DomainSummary domain, AtomicBoolean claimed, CompletableFuture<Void> done) {}

    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final List<String> problems = new ArrayList<>();
    private volatile List<DomainSummary> expected = List.of();
    private Consumer<List<String>> whenAllDone = p -> {};

    /** The domains to check; each is unchecked until {@link #finished} is called for it. */
    synchronized void expect(Collection<DomainSummary> domains) {
        for (DomainSummary d : domains) {
            pending.put(d.name(), new Pending(d, new AtomicBoolean(), new CompletableFuture<>()));
        }
        expected = List.copyOf(domains);
    }

    /** The domains {@link #expect} was given, in its order (checked or not). */
    List<DomainSummary> expected() {
        return expected;
    }

    /** Called with the problems found once every expected domain is checked (at once when none is left). */
    void whenAllDone(Consumer<List<String>> then) {
        boolean now;
        synchronized (this) {
            whenAllDone = then;
            now = pending.isEmpty();
        }
        if (now) {
            then.accept(problemsSoFar());
        }
    }

    /** The domain to check when this caller is the first to ask for it; empty when checked or claimed already. */
    Optional<DomainSummary> claim(String domain) {
        Pending p = pending.get(domain);
        return p != null && p.claimed().compareAndSet(false, true) ? Optional.of(p.domain()) : Optional.empty();
    }

    /** Whether someone has started (or finished) checking {@code domain}. */
    boolean claimed(String domain) {
        Pending p = pending.get(domain);
        return p == null || p.claimed().get();
    }

    /** Ends {@code domain}'s check; {@code problem} (null when none) is reported with the others. */
    void finished(String domain, String problem) {
        Consumer<List<String>> then = null;
        Pending p;
        synchronized (this) {
            if (problem != null) {
                problems.add(problem);
            }
            p = pending.remove(domain);
            if (p != null && pending.isEmpty()) {
                then = whenAllDone;
            }
        }
        if (p != null) {
            p.done().complete(null);
        }
        if (then != null) {
            then.accept(problemsSoFar());
        }
    }

    /**
     * Waits until {@code domain}'s check has ended (at once when it was never pending).
     *
     * @return false when it has not ended within {@code limit}
     */
    boolean await(String domain, Duration limit) throws InterruptedException {
        Pending p = pending.get(domain);
        if (p == null) {
            return true;
        }
        try {
            p.done().get(limit.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return true; // never completed exceptionally: a failed check is a problem reported, and ended
        }
    }

    /** Waits until every domain expected so far is checked; false when that took longer than {@code limit}. */
    boolean awaitAll(Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        for (String domain : List.copyOf(pending.keySet())) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !await(domain, Duration.ofNanos(left))) {
                return pending.isEmpty();
            }
        }
        return true;
    }

    /** Domains not checked yet. */
    int remaining() {
        return pending.size();
    }

    /** Domains the start-up check was given. */
    int total() {
        return expected.size();
    }

    private synchronized List<String> problemsSoFar() {
        return List.copyOf(problems);
    }
}
