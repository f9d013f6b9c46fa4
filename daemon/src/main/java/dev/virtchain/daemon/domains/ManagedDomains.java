package dev.virtchain.daemon.domains;

import dev.virtchain.daemon.files.HostFiles;
import dev.virtchain.libvirt.DaemonThreads;
import dev.virtchain.libvirt.image.ImageRoots;

import dev.virtchain.daemon.LogScope;
import dev.virtchain.daemon.Recovery;
import dev.virtchain.daemon.RecoverySummary;
import dev.virtchain.daemon.exec.DiskLocks;
import dev.virtchain.daemon.exec.OperationRefused;
import dev.virtchain.daemon.exec.OperationRunner;
import dev.virtchain.daemon.ledger.LedgerBook;
import dev.virtchain.daemon.ledger.StoredLedger;
import dev.virtchain.libvirt.DomainLifecycleEvent;
import dev.virtchain.libvirt.DomainSummary;
import dev.virtchain.libvirt.LibvirtHost;
import dev.virtchain.libvirt.LibvirtUnreachableException;
import dev.virtchain.libvirt.image.DiskChain;
import dev.virtchain.libvirt.image.DiskChains;
import dev.virtchain.libvirt.xml.DomainDescription;
import dev.virtchain.libvirt.xml.DomainXmlReader;
import dev.virtchain.model.Adoption;
import dev.virtchain.model.DomainId;
import dev.virtchain.model.Image;
import dev.virtchain.model.ImageFormat;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.plan.Intent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The domains virtchain looks after on this host: it adopts the ones it does not know yet,
 * settles interrupted operations at start, notices drift (a chain changed behind its back), and
 * follows libvirt's lifecycle events. It never discards a snapshot: drift it cannot explain is
 * reported and the domain is left alone until an operator looks.
 */
public final class ManagedDomains implements Recovery {
    private static final Logger log = LoggerFactory.getLogger(ManagedDomains.class);
    /** Threads that read definitions and image headers at start. */
    private static final int OBSERVERS = 4;
    /** How long a command waits for its domain's start-up check: one domain's reads, or a rewrite's claim. */
    private static final Duration CHECK_WAIT = Duration.ofSeconds(120);
    /** How often the start-up check tries again the domains it could not check because libvirtd was unreachable. */
    private static final Duration RECHECK_PAUSE = Duration.ofSeconds(2);

    private final LibvirtHost host;
    private final HostFiles files;
    private final LedgerBook book;
    private final OperationRunner runner;
    private final DiskLocks locks;
    private final Clock clock;
    private final Map<String, String> drift = new ConcurrentHashMap<>();
    private final Map<String, String> quarantined;
    private final DomainRoster roster;
    private final StartChecks checks = new StartChecks();
    /** The list {@link #recover} starts from when one is being taken already; used once. */
    private final AtomicReference<CompletableFuture<List<DomainSummary>>> listedAtConnection = new AtomicReference<>();
    /** The start-up check met an unreachable libvirtd and has not checked a domain since: said once. */
    private final AtomicBoolean checkWaitsForLibvirt = new AtomicBoolean();

    /**
     * @param quarantined UUID to problem, for ledger files that could not be read: their domains
     *                    are never adopted afresh, which would overwrite what the file holds
     * @param roster      which domains this host manages: the others are never adopted or checked
     */
    public ManagedDomains(LibvirtHost host, HostFiles files, LedgerBook book, OperationRunner runner, DiskLocks locks,
                          Clock clock, Map<String, String> quarantined, DomainRoster roster) {
        this.quarantined = Map.copyOf(quarantined);
        this.roster = roster;
        this.host = host;
        this.files = files;
        this.book = book;
        this.runner = runner;
        this.locks = locks;
        this.clock = clock;
    }

    public LedgerBook book() {
        return book;
    }

    public OperationRunner runner() {
        return runner;
    }

    /** Domain name to what is wrong with its chains, for {@code status}. */
    public Map<String, String> drift() {
        return Map.copyOf(drift);
    }

    /** UUID to problem, for ledger files that could not be read. */
    public Map<String, String> quarantined() {
        return quarantined;
    }

    public DomainRoster roster() {
        return roster;
    }

    /** The managed domains libvirt has now (judging them again), by name. */
    public List<String> libvirtDomainNames() {
        List<DomainSummary> all = host.listDomains();
        roster.refresh(all);
        return all.stream().map(DomainSummary::name).filter(roster::isManaged).sorted().toList();
    }

    /**
     * The domains libvirt had right after the connection was made: listed on the connection's
     * thread while the rest of the daemon was built, so that {@link #recover} need not wait for
     * the list (tens of milliseconds on a host with a thousand domains). Used by that first
     * {@code recover} only; a domain defined since is adopted by {@link #catchUp} once the daemon
     * follows libvirt's events.
     */
    public void listedAtConnection(CompletableFuture<List<DomainSummary>> domains) {
        listedAtConnection.set(domains);
    }

    /** The list taken at connection when there is one, else a fresh one; a failed list is asked again. */
    private List<DomainSummary> firstList() {
        CompletableFuture<List<DomainSummary>> taken = listedAtConnection.getAndSet(null);
        if (taken != null) {
            try {
                return taken.join();
            } catch (CompletionException | java.util.concurrent.CancellationException e) {
                // asked again below, whose failure recovery reports with its own message
            }
        }
        return host.listDomains();
    }

    /**
     * Settles every interrupted operation and notes the managed domains libvirt has, to be checked
     * by {@link #checkDomains}: adopted when no ledger names them, checked for drift otherwise.
     * Running it again changes nothing.
     */
    @Override
    public RecoverySummary recover() {
        int completed = 0;
        int rolledBack = 0;
        List<String> unresolved = new ArrayList<>();
        boolean definedAClone = false;
        List<DomainSummary> present = firstList();
        roster.refresh(present);
        for (StoredLedger stored : book.all()) {
            if (stored.operation().isEmpty()) {
                continue;
            }
            String domain = stored.ledger().domainName();
            if (!roster.isManaged(domain) && roster.verdict(domain).isPresent()) {
                unresolved.add("domain " + domain + ": operation " + stored.operation().get().id() + " ("
                        + stored.operation().get().description() + ") was interrupted, but the domain is no longer"
                        + " managed (" + roster.verdict(domain).get().why() + "); manage it again so that recovery"
                        + " can finish it");
                continue;
            }
            try {
                switch (runner.resume(stored)) {
                    case COMPLETED -> {
                        completed++;
                        definedAClone |= stored.operation().get().kind().equals(Intent.Clone.KIND);
                    }
                    case ROLLED_BACK -> rolledBack++;
                }
            } catch (RuntimeException e) {
                String op = stored.operation().get().id();
                unresolved.add("domain " + domain + ": operation " + op + " (" + stored.operation().get().description()
                        + ") could not be finished: " + e.getMessage());
                log.error("recovery of operation {} on {} failed", op, domain, e);
            }
        }
        if (definedAClone) {
            // A completed clone defined its domain just now; its event may have come before anyone listened.
            present = host.listDomains();
            roster.refresh(present);
        }
        // Reading every definition and every image header is most of a start on a large host and
        // changes nothing that an operation needs settled first: it runs after READY
        // (checkDomains), and a command about a domain not checked yet checks that one first.
        checks.expect(present.stream().filter(d -> roster.isManaged(d.name())).toList());
        return new RecoverySummary(clock.instant(), completed, rolledBack, unresolved);
    }

    /**
     * Checks every domain {@link #recover} noted, on a thread of its own ({@value #OBSERVERS}
     * more read definitions and headers), and hands {@code done} the problems once all are
     * checked. A domain a command asked for meanwhile was checked by that command, and is skipped.
     */
    @Override
    public void checkDomains(Consumer<List<String>> done) {
        checks.whenAllDone(done);
        if (checks.remaining() == 0) {
            return;
        }
        List<DomainSummary> all = checks.expected();
        DaemonThreads.daemon(() -> {
            try {
                observeAll(all, (d, observed) -> checks.claim(d.name()).ifPresent(c -> checkInBackground(c, observed)));
            } catch (RuntimeException e) {
                log.error("the start-up check of the domains stopped: {}; the rest are checked one by one",
                        e.getMessage(), e);
            } finally {
                // Whatever the pass did not reach is checked here, and what libvirtd could not be
                // asked about is tried again until it answers, so that the check always ends.
                try {
                    while (true) {
                        all.forEach(d -> checks.claim(d.name()).ifPresent(c -> checkInBackground(c, observedNow(c.name()))));
                        if (checks.remaining() == 0) {
                            break;
                        }
                        Thread.sleep(RECHECK_PAUSE.toMillis());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }, "start-check").start();
    }

    /** {@link #check} on the background pass: an unreachable libvirtd leaves the domain for a later round. */
    private void checkInBackground(DomainSummary d, CompletableFuture<Observed> observed) {
        try {
            check(d, observed);
            checkWaitsForLibvirt.set(false);
        } catch (LibvirtUnreachableException e) {
            if (checkWaitsForLibvirt.compareAndSet(false, true)) {
                log.warn("the start-up check cannot reach libvirtd ({}); {} domains are left unchecked and tried"
                        + " again every {} s until it answers", e.getMessage(), checks.remaining(),
                        RECHECK_PAUSE.toSeconds());
            }
        }
    }

    /**
     * Waits until {@code domain} has had its start-up check, checking it on this thread when
     * nobody has started to: a command never plans on a domain whose drift is not known yet.
     *
     * @throws OperationRefused BUSY when the check has not ended within {@link #CHECK_WAIT}
     */
    public void awaitChecked(String domain) {
        long deadline = System.nanoTime() + CHECK_WAIT.toNanos();
        try {
            StartChecks.Wait w;
            do {
                Optional<DomainSummary> mine = checks.claim(domain);
                if (mine.isPresent()) {
                    check(mine.get(), observedNow(domain)); // an unreachable libvirtd fails the command
                    return;
                }
                w = checks.await(domain, Duration.ofNanos(deadline - System.nanoTime()));
            } while (w == StartChecks.Wait.RELEASED);
            if (w == StartChecks.Wait.CHECKED) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new OperationRefused(OperationRefused.Reason.BUSY, domain, null, null, "the start-up check of " + domain
                + " (its chains against its ledger) has not ended; try again, and see 'virtchain status'");
    }

    /** Waits (up to {@link #CHECK_WAIT}) until every domain has had its start-up check; false when not all have. */
    public boolean awaitAllChecked() {
        try {
            return checks.awaitAll(CHECK_WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Domains whose start-up check has not ended, and how many there were to check. */
    public int uncheckedDomains() {
        return checks.remaining();
    }

    public int domainsToCheck() {
        return checks.total();
    }

    /** Adopts {@code d} when no ledger names it, checks it for drift otherwise; ends its start-up check. */
    private void check(DomainSummary d, CompletableFuture<Observed> observed) {
        String problem = null;
        boolean givenBack = false;
        try (LogScope scope = LogScope.domain(d.name())) {
            if (book.byUuid(d.uuid()).isEmpty()) {
                take(d.name(), joined(observed));
            } else {
                checkDrift(d.name(), observed);
            }
        } catch (LibvirtUnreachableException e) {
            // Nothing is known about the domain: neither drift nor a problem of its own. It stays
            // unchecked, for the next attempt.
            givenBack = true;
            checks.release(d.name());
            throw e;
        } catch (RuntimeException e) {
            problem = "domain " + d.name() + ": " + e.getMessage();
            log.warn("cannot take {} into account: {}", d.name(), e.getMessage());
        } finally {
            if (!givenBack) {
                checks.finished(d.name(), problem);
            }
        }
    }

    private CompletableFuture<Observed> observedNow(String domain) {
        try {
            return CompletableFuture.completedFuture(observe(domain));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Observes {@code domains} on at most {@value #OBSERVERS} threads (libvirtd serves only a few
     * calls of one client at once: its {@code max_client_requests} is 5 by default) and hands each
     * observation, or its failure, to {@code then} on the calling thread, in the order they finish.
     * At most twice as many observations as threads are held at a time, whatever the number of
     * domains.
     */
    private void observeAll(List<DomainSummary> domains,
                            BiConsumer<DomainSummary, CompletableFuture<Observed>> then) {
        if (domains.isEmpty()) {
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(OBSERVERS, domains.size()),
                DaemonThreads.numbered("start-observe-"));
        BlockingQueue<Map.Entry<DomainSummary, CompletableFuture<Observed>>> done = new LinkedBlockingQueue<>();
        try {
            int submitted = 0;
            for (int taken = 0; taken < domains.size(); taken++) {
                while (submitted < domains.size() && submitted - taken < 2 * OBSERVERS) {
                    DomainSummary d = domains.get(submitted++);
                    // A domain a command checked already is not read again (then skips it too).
                    CompletableFuture<Observed> f = CompletableFuture.supplyAsync(
                            () -> checks.claimed(d.name()) ? null : observe(d.name()), pool);
                    f.whenComplete((o, e) -> done.add(Map.entry(d, f)));
                }
                Map.Entry<DomainSummary, CompletableFuture<Observed>> next = done.take();
                then.accept(next.getKey(), next.getValue());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking the domains at start", e);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Takes a domain over, or takes in images stacked by hand on a known domain's chains. An
     * unexplainable change is refused with a message naming the disk and both chains.
     */
    public Ledger adopt(String domain) {
        awaitChecked(domain); // outside the lock: the start-up check takes it to take a domain in
        return adoptNow(domain);
    }

    private synchronized Ledger adoptNow(String domain) {
        // A domain defined a moment ago may not be judged yet (its event is still on its way):
        // judge it now rather than refuse it.
        var verdict = roster.verdict(domain).orElseGet(() -> roster.refresh(domain));
        if (!verdict.managed()) {
            throw new OperationRefused(OperationRefused.Reason.NOT_MANAGED, domain, null, null, "domain " + domain
                    + " is not managed on this host (" + verdict.why() + "); change manage, manage-match or"
                    + " manage-exclude in the configuration to manage it");
        }
        return take(domain, observe(domain));
    }

    /**
     * What adopting a domain reads, and only reads: its definition, the ledger known when it was
     * read, and every disk's chain with the modification times of backing images the ledger does
     * not know yet (the creation times of the snapshots they become).
     */
    private record Observed(DomainDescription description, Optional<StoredLedger> known,
                            List<Adoption.ObservedDisk> disks, Map<String, Instant> frozenAt) {}

    /** Reads a domain's definition and chains; safe to run for several domains at once. */
    private Observed observe(String domain) {
        DomainDescription d = DomainXmlReader.read(host.domainXml(domain));
        Optional<StoredLedger> known = book.byUuid(d.uuid());
        Set<String> knownImages = new HashSet<>();
        known.ifPresent(k -> k.ledger().disks().forEach(disk -> disk.images().forEach(i -> knownImages.add(i.path()))));
        // Every chain is checked against the image roots before any of it is taken in: a refusal
        // (ImageRefused) names the domain, disk, image and backing name, and changes nothing.
        ImageRoots roots = files.roots(d, known.map(StoredLedger::ledger)).remembering();
        List<Adoption.ObservedDisk> disks = new ArrayList<>();
        Map<String, Instant> frozenAt = new HashMap<>();
        for (var disk : d.disks()) {
            if (!disk.snapshottable()) {
                continue;
            }
            DiskChain chain = DiskChains.read(d, disk, roots, recordedChain(known, disk.target()));
            List<Image> images = new ArrayList<>();
            for (int i = 0; i < chain.images().size(); i++) {
                DiskChain.Link link = chain.images().get(i);
                String backing = i + 1 < chain.images().size() ? chain.images().get(i + 1).file().toString() : null;
                images.add(new Image(link.file().toString(), format(domain, disk.target(), link), backing));
                if (i > 0 && !knownImages.contains(link.file().toString())) {
                    frozenAt.put(link.file().toString(), modified(link.file()));
                }
            }
            disks.add(new Adoption.ObservedDisk(disk.target(), images));
        }
        return new Observed(d, known, disks, frozenAt);
    }

    /**
     * Takes in what {@code seen} observed of {@code domain}. When the ledger changed since (an
     * operation or an event came in between), the domain is observed again, under the lock.
     */
    private synchronized Ledger take(String domain, Observed seen) {
        Observed o = book.byUuid(seen.description().uuid()).equals(seen.known()) ? seen : observe(domain);
        DomainDescription d = o.description();
        List<Adoption.ObservedDisk> disks = o.disks();
        Map<String, Instant> frozenAt = o.frozenAt();
        if (quarantined.containsKey(d.uuid())) {
            throw new OperationRefused(OperationRefused.Reason.LEDGER_UNREADABLE, domain, null, null, "the ledger file of "
                    + domain + " cannot be read (" + quarantined.get(d.uuid()) + "); virtchain leaves the domain alone"
                    + " rather than overwrite it; 'virtchaind --check-state' shows what is wrong with it");
        }
        Optional<StoredLedger> known = o.known();
        Ledger ledger;
        if (known.isEmpty()) {
            ledger = Adoption.adopt(new DomainId(d.name(), d.uuid()), disks, frozenAt);
            log.info("adopted {}: {} disks, {} existing points in time named adopted-N", domain, disks.size(),
                    ledger.snapshots().size());
        } else {
            Ledger current = known.get().ledger();
            ledger = Adoption.extend(current, disks, frozenAt).orElseThrow(() -> new IllegalStateException(
                    "the chains of " + domain + " changed in a way virtchain cannot explain (images removed or"
                    + " rewritten, not only added on top): " + describeChains(current, disks)
                    + "; no snapshot was discarded; inspect the images and fix the chain by hand"));
            if (ledger.equals(current)) {
                drift.remove(domain);
                return current;
            }
            refuseIfBusy(known.get(), "its chains are in motion; adopt " + domain + " again when it is done");
            log.warn("{}: took in {} images stacked on top of its chains by hand", domain,
                    ledger.snapshots().size() - current.snapshots().size());
        }
        Ledger shared = shareImagesWithOthers(ledger);
        if (known.isEmpty()) {
            runner.adopt(shared);
        } else {
            Ledger current = known.get().ledger();
            runner.rewrite(d.uuid(), "take in images stacked on " + domain + "'s chains by hand", "adopt " + domain
                    + " again when it is done", now -> {
                        if (!now.equals(current)) {
                            throw new OperationRefused(OperationRefused.Reason.BUSY, domain, null, null, "the ledger of "
                                    + domain + " changed while its chains were read; adopt " + domain + " again");
                        }
                        return shared;
                    });
        }
        drift.remove(domain);
        return shared;
    }

    /**
     * A clone's chain runs into images of the domain it was cloned from. In the clone's ledger the
     * snapshots those images hold are held ({@code parent-<domain>}), so nothing done to the clone
     * ever merges or deletes them; in the other domain's ledger the snapshot each such image
     * holds is protected by the clone, so that domain cannot merge away what the clone reads.
     */
    private Ledger shareImagesWithOthers(Ledger ledger) {
        Map<String, StoredLedger> owners = new HashMap<>();
        for (StoredLedger other : book.all()) {
            if (other.uuid().equals(ledger.domain().uuid())) {
                continue;
            }
            for (var d : other.ledger().disks()) {
                for (Image i : d.images()) {
                    owners.put(i.path(), other);
                }
            }
        }
        Ledger out = ledger;
        Map<String, Set<String>> sharedPaths = new HashMap<>();
        for (var snapshot : ledger.snapshots()) {
            for (String holder : snapshot.holders().values()) {
                StoredLedger owner = owners.get(holder);
                if (owner == null) {
                    continue;
                }
                String ownerName = owner.ledger().domainName();
                String tag = "parent-" + ownerName;
                if (!out.requireSnapshot(snapshot.name()).holds().contains(tag)) {
                    out = out.withHold(snapshot.name(), tag);
                }
                sharedPaths.computeIfAbsent(owner.uuid(), k -> new java.util.TreeSet<>()).add(holder);
            }
        }
        for (Map.Entry<String, Set<String>> e : sharedPaths.entrySet()) {
            String clone = ledger.domainName();
            Optional<StoredLedger> owner = book.byUuid(e.getKey());
            if (owner.isEmpty() || protectedBy(owner.get().ledger(), e.getValue(), clone).equals(owner.get().ledger())) {
                continue;
            }
            if (busyWith(owner.get()).isPresent() && alreadyCovered(owner.get().ledger(), e.getValue(), clone)) {
                // The clone operation running there protected the clone's base snapshot already,
                // and the planner keeps everything below a protected holder: nothing is at risk.
                continue;
            }
            // The executor changes the owner's ledger as it is once its disks are claimed, and
            // refuses while an operation holds it.
            runner.rewrite(e.getKey(), "protect the snapshots " + clone + " reads", "the snapshots " + clone
                    + " reads cannot be protected while it runs; adopt " + clone + " again when it is done",
                    l -> protectedBy(l, e.getValue(), clone));
            log.info("{}: snapshots whose images {} uses are now protected", owner.get().ledger().domainName(), clone);
        }
        return out;
    }

    /** {@code l} with every snapshot held by one of {@code paths} protected by {@code clone}. */
    private static Ledger protectedBy(Ledger l, Set<String> paths, String clone) {
        Ledger o = l;
        for (var theirs : l.snapshots()) {
            if (theirs.holders().values().stream().anyMatch(paths::contains) && !theirs.protectedBy().contains(clone)) {
                o = o.withProtection(theirs.name(), clone);
            }
        }
        return o;
    }

    /** Whether every one of {@code paths} is at or below the holder of a snapshot of {@code l} protected by {@code clone}. */
    private static boolean alreadyCovered(Ledger l, Set<String> paths, String clone) {
        Set<String> covered = new java.util.HashSet<>();
        for (var s : l.snapshots()) {
            if (s.protectedBy().contains(clone)) {
                s.holders().forEach((target, holder) -> l.disk(target).ifPresent(d -> covered.addAll(d.chainFrom(holder))));
            }
        }
        return covered.containsAll(paths);
    }

    /**
     * Refuses to change {@code stored}'s ledger while an operation is recorded in it or holds one
     * of its disks: the operation saves its own ledger at every step, and a change made beside it
     * would make its next save stale.
     */
    private void refuseIfBusy(StoredLedger stored, String advice) {
        String domain = stored.ledger().domainName();
        Optional<String> busy = busyWith(stored);
        if (busy.isPresent()) {
            throw new OperationRefused(OperationRefused.Reason.BUSY, domain, null, null, "domain " + domain
                    + " is busy with operation " + busy.get() + "; " + advice);
        }
    }

    /** The operation recorded in the ledger or holding one of its disks, described; empty when idle. */
    private Optional<String> busyWith(StoredLedger stored) {
        String domain = stored.ledger().domainName();
        return stored.operation().map(op -> op.id() + " (" + op.description() + ")")
                .or(() -> stored.ledger().diskTargets().stream().map(t -> locks.holder(domain, t))
                        .flatMap(Optional::stream).findFirst().map(h -> h.operationId() + " (" + h.description() + ")"));
    }

    /** The domain is gone: the protection it put on other domains' snapshots goes too. */
    private void releaseProtections(String goneDomain) {
        for (StoredLedger other : book.all()) {
            try {
                StoredLedger before = other;
                runner.rewrite(other.uuid(), "lift the protections of " + goneDomain, "its snapshots stay protected by "
                        + goneDomain + " (nothing is lost; merging them is refused)", l -> {
                            Ledger out = l;
                            for (var s : l.snapshots()) {
                                if (s.protectedBy().contains(goneDomain)) {
                                    out = out.withoutProtection(s.name(), goneDomain);
                                }
                            }
                            return out;
                        }).filter(after -> after.version() != before.version()).ifPresent(after -> log.info(
                                "{}: {} is gone, its protection of snapshots is lifted", after.ledger().domainName(),
                                goneDomain));
            } catch (OperationRefused e) {
                log.warn("{}", e.getMessage());
            }
        }
    }

    /** What an observation found, or the exception it failed with, as it was thrown. */
    private static Observed joined(CompletableFuture<Observed> observation) {
        try {
            return observation.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    /** Records (and takes in, when it is only images added on top) a chain changed outside virtchain. */
    private void checkDrift(String domain, CompletableFuture<Observed> seen) {
        StoredLedger stored = book.byName(domain).orElseThrow();
        if (stored.operation().isPresent() || locks.holder(domain, stored.ledger().diskTargets().get(0)).isPresent()) {
            return; // an operation is under way: its own chains are in motion
        }
        try {
            take(domain, joined(seen));
        } catch (LibvirtUnreachableException e) {
            throw e; // not drift: nothing could be read
        } catch (RuntimeException e) {
            drift.put(domain, e.getMessage());
            log.warn("drift on {}: {}", domain, e.getMessage());
        }
    }

    /**
     * Looks at the domains libvirt has now, adopts the managed ones this daemon has never seen, and
     * returns the names of every managed one. Their DEFINED event was never followed: they were
     * defined while the daemon started (before it followed events) or while libvirtd was
     * unreachable (whose events are lost). Only domains never seen before count: those the start-up
     * check has still to check were seen when it began. A domain undefined meanwhile keeps its
     * ledger, as one undefined while virtchaind was stopped does.
     *
     * @param during when such domains were defined, for the log: "while libvirtd was unreachable"
     * @throws LibvirtUnreachableException when libvirtd cannot be asked
     */
    public List<String> catchUp(String during) {
        List<DomainSummary> present = host.listDomains();
        Set<String> seenBefore = Set.copyOf(roster.verdicts().keySet());
        roster.refresh(present);
        for (DomainSummary d : present) {
            if (seenBefore.contains(d.name()) || book.byUuid(d.uuid()).isPresent() || quarantined.containsKey(d.uuid())
                    || !roster.isManaged(d.name())) {
                continue; // not new, known, left alone (its ledger cannot be read), or not managed
            }
            try (LogScope scope = LogScope.domain(d.name())) {
                adopt(d.name());
                log.info("{} was defined {}; adopted", d.name(), during);
            } catch (RuntimeException e) {
                log.warn("cannot adopt {}, defined {}: {}", d.name(), during, e.getMessage());
            }
        }
        return present.stream().map(DomainSummary::name).filter(roster::isManaged).sorted().toList();
    }

    /** Follows libvirt: new domains are adopted, undefined ones have their ledger retired (kept aside). */
    public void onLifecycle(DomainLifecycleEvent event) {
        try (LogScope scope = LogScope.domain(event.domain())) {
            switch (event.kind()) {
                case DEFINED, MIGRATED_IN -> {
                    if (book.byUuid(event.uuid()).isEmpty() && roster.refresh(event.domain()).managed()) {
                        adopt(event.domain());
                    }
                }
                case UNDEFINED, MIGRATED_OUT -> book.byUuid(event.uuid()).ifPresent(l -> {
                    if (l.operation().isPresent()) {
                        log.warn("{} went away ({}) during operation {}; its ledger stays for recovery", event.domain(),
                                event.kind(), l.operation().get().id());
                        return;
                    }
                    boolean retired;
                    try {
                        retired = runner.retire(event.uuid());
                    } catch (OperationRefused e) {
                        retired = false;
                    }
                    if (!retired) {
                        log.warn("{} went away ({}) while an operation ran on it; its ledger stays for recovery",
                                event.domain(), event.kind());
                        return;
                    }
                    releaseProtections(event.domain());
                    log.info("{} went away ({}); its ledger is kept under retired/", event.domain(), event.kind());
                });
                case STARTED, STOPPED, OTHER -> log.debug("{} {}", event.domain(), event.kind());
            }
        } catch (RuntimeException e) {
            log.warn("could not follow {} of {}: {}", event.kind(), event.domain(), e.getMessage());
        }
    }

    /** The disk's chain as its ledger records it (checked when it was recorded); empty when there is none. */
    private static List<DiskChain.Link> recordedChain(Optional<StoredLedger> known, String disk) {
        return known.flatMap(k -> k.ledger().disk(disk)).map(recorded -> {
            Map<String, Image> byPath = recorded.byPath();
            return recorded.activeChain().stream()
                    .map(path -> new DiskChain.Link(Path.of(path), byPath.get(path).format().qemuName()))
                    .toList();
        }).orElse(List.of());
    }

    private static ImageFormat format(String domain, String disk, DiskChain.Link link) {
        for (ImageFormat f : ImageFormat.values()) {
            if (f.qemuName().equals(link.format())) {
                return f;
            }
        }
        throw new dev.virtchain.libvirt.image.ImageRefused(link.file(), null, "it is " + link.format()
                + "; virtchain manages qcow2 and raw images only").in(domain, disk);
    }

    private static Instant modified(Path file) {
        try {
            return Files.getLastModifiedTime(file).toInstant();
        } catch (IOException e) {
            return Instant.EPOCH;
        }
    }

    private static String describeChains(Ledger ledger, List<Adoption.ObservedDisk> disks) {
        StringBuilder b = new StringBuilder();
        for (Adoption.ObservedDisk d : disks) {
            List<String> seen = d.chain().stream().map(Image::path).toList();
            List<String> expected = ledger.disk(d.target()).map(x -> x.activeChain()).orElse(List.of());
            if (!seen.equals(expected)) {
                b.append("disk ").append(d.target()).append(" shows ").append(seen).append(" but the ledger has ")
                        .append(expected).append("; ");
            }
        }
        return b.toString().replaceAll("; $", "");
    }

}
