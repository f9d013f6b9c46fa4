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
 * on a domain before its check has ended. A check that could not reach libvirtd is given back
 * ({@link #release}): the domain stays unchecked until a later attempt ends.
 */
final class StartChecks {

    /** How a wait for one domain's check ended. */
    enum Wait {
        /** The check ended (with or without a problem), or the domain was never pending. */
        CHECKED,
        /** The check was given back unfinished: the domain is free to be claimed again. */
        RELEASED,
        TIMED_OUT
    }

    /** One attempt at a domain's check: who claimed it, and its end (true: checked; false: given back). */
    private record Pending(DomainSummary domain, AtomicBoolean claimed, CompletableFuture<Boolean> done) {
        static Pending of(DomainSummary domain) {
            return new Pending(domain, new AtomicBoolean(), new CompletableFuture<>());
        }
    }

    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final List<String> problems = new ArrayList<>();
    private volatile List<DomainSummary> expected = List.of();
    private Consumer<List<String>> whenAllDone = p -> {};

    /** The domains to check; each is unchecked until {@link #finished} is called for it. */
    synchronized void expect(Collection<DomainSummary> domains) {
        for (DomainSummary d : domains) {
            pending.put(d.name(), Pending.of(d));
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
            p.done().complete(true);
        }
        if (then != null) {
            then.accept(problemsSoFar());
        }
    }

    /**
     * Gives the claimed check of {@code domain} back unfinished (libvirtd could not be reached): the
     * domain counts as unchecked, the next {@link #claim} gets it, and whoever waits for it is woken
     * with {@link Wait#RELEASED}, to check it or wait again.
     */
    void release(String domain) {
        Pending p;
        synchronized (this) {
            p = pending.get(domain);
            if (p == null) {
                return;
            }
            pending.put(domain, Pending.of(p.domain()));
        }
        p.done().complete(false);
    }

    /** Waits until {@code domain}'s current attempt has ended or was given back (at once when it was never pending). */
    Wait await(String domain, Duration limit) throws InterruptedException {
        Pending p = pending.get(domain);
        if (p == null) {
            return Wait.CHECKED;
        }
        try {
            return p.done().get(Math.max(0, limit.toMillis()), TimeUnit.MILLISECONDS) ? Wait.CHECKED : Wait.RELEASED;
        } catch (TimeoutException e) {
            return Wait.TIMED_OUT;
        } catch (ExecutionException e) {
            return Wait.CHECKED; // never completed exceptionally: a failed check is a problem reported, and ended
        }
    }

    /** Waits until every domain expected so far is checked; false when that took longer than {@code limit}. */
    boolean awaitAll(Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        for (String domain : List.copyOf(pending.keySet())) {
            Wait w;
            do {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return pending.isEmpty();
                }
                w = await(domain, Duration.ofNanos(left));
            } while (w == Wait.RELEASED);
            if (w == Wait.TIMED_OUT) {
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
