package dev.virtchain.daemon;

import java.time.Clock;
import java.util.List;
import java.util.function.Consumer;

/**
 * Settles every operation a previous run left unfinished, before the daemon reports ready.
 * It reads the journal and the live truth (domain XML, block jobs, image headers) and either
 * finishes or rolls back each operation; running it twice must change nothing the second time.
 *
 * <p>The daemon calls {@link #recover()} once, after the control socket is up (so {@code status}
 * answers during a long recovery) and before the schedules start and {@code READY=1} is sent.
 * Problems with single operations belong in {@link RecoverySummary#unresolved()}; throwing means
 * recovery could not run at all (libvirt unreachable, unreadable state directory), and the
 * daemon exits with status 1 so that systemd tries again.
 *
 * <p>What needs no settling before commands are served (checking every domain's chains against
 * its ledger) is done by {@link #checkDomains} after {@code READY=1}.
 */
@FunctionalInterface
public interface Recovery {

    RecoverySummary recover() throws Exception;

    /**
     * After READY: checks what {@link #recover()} left to check, without holding up the caller,
     * and hands {@code done} the problems it found (one sentence each) when it has finished.
     */
    default void checkDomains(Consumer<List<String>> done) {
        done.accept(List.of());
    }

    /** Until the journal exists there is nothing to recover. */
    static Recovery nothingToRecover(Clock clock) {
        return () -> RecoverySummary.nothingToDo(clock.instant());
    }
}
