package dev.virtchain.daemon.exec;

import dev.virtchain.daemon.ProgressSink;
import dev.virtchain.daemon.ledger.LedgerBook;
import dev.virtchain.daemon.ledger.LedgerStore;
import dev.virtchain.daemon.ledger.StoredLedger;
import dev.virtchain.model.Disk;
import dev.virtchain.model.DomainId;
import dev.virtchain.model.Image;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.plan.HostCapabilities;
import dev.virtchain.model.plan.Intent;
import dev.virtchain.model.plan.Planner;
import dev.virtchain.model.sim.ImageFormat;
import dev.virtchain.model.sim.SimulatedHost;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

/**
 * The executor's unit tests' domain: {@code vm}, running, one qcow2 disk {@code vda} of 16
 * clusters on the simulated host, adopted by an executor whose ledger store lives in a test's
 * directory. {@link #restart} makes a new executor on the same host and files, as a daemon restart.
 */
final class OneDiskDomain {
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-06-01T00:00:00Z"), ZoneOffset.UTC);
    static final int CLUSTER = SimulatedHost.DEFAULT_CLUSTER_SIZE;
    static final String VM = "vm";
    private static final String BASE = "/images/vm/vda.qcow2";

    final SimHost host = new SimHost(new SimulatedHost());
    final String uuid;
    private final Path state;
    private final int maxBlockJobs;
    private final long minFreeBytes;
    LedgerStore store;
    LedgerBook book;
    DiskLocks locks;
    OperationRunner runner;

    OneDiskDomain(Path state, int maxBlockJobs, long minFreeBytes) {
        this.state = state;
        this.maxBlockJobs = maxBlockJobs;
        this.minFreeBytes = minFreeBytes;
        host.sim.createBase(BASE, ImageFormat.QCOW2, 16L * CLUSTER);
        uuid = host.define(VM, true, Map.of("vda", BASE)).uuid;
        restart(CrashSite.NONE);
        runner.adopt(Ledger.of(new DomainId(VM, uuid), List.of(new Disk("vda",
                List.of(Image.base(BASE, dev.virtchain.model.ImageFormat.QCOW2)), BASE))));
    }

    /** A new executor (store, book, claims) on the same host and state directory. */
    OperationRunner restart(CrashSite crash) {
        store = new LedgerStore(state, CLOCK);
        book = new LedgerBook(store, store.loadAll().ledgers());
        locks = new DiskLocks();
        runner = new OperationRunner(host, book, new Planner(CLOCK, HostCapabilities.DEFAULT), locks, maxBlockJobs,
                crash, CLOCK, 0, minFreeBytes);
        return runner;
    }

    /** Snapshots {@code s1}..{@code sN}, the guest writing two clusters before each. */
    void snapshots(int n) {
        for (int i = 1; i <= n; i++) {
            write(i, 2, i);
            run(Intent.Create.of("s" + i));
        }
    }

    /** The guest writes {@code clusters} clusters from {@code cluster} on, stamped {@code token}. */
    void write(long cluster, int clusters, long token) {
        host.sim.write(host.domain(VM).disks.get("vda"), cluster * CLUSTER, (long) clusters * CLUSTER, token);
    }

    OperationRunner.Result run(Intent intent) {
        return runner.run(VM, intent, OperationRunner.Options.DEFAULT, ProgressSink.DISCARD);
    }

    StoredLedger stored() {
        return book.byUuid(uuid).orElseThrow();
    }
}
