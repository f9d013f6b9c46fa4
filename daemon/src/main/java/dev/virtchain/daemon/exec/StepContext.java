package dev.virtchain.daemon.exec;

import dev.virtchain.daemon.ProgressSink;
import dev.virtchain.model.Ledger;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * What the executor hands a {@link Host} with each step.
 *
 * @param domain       the domain the operation is on
 * @param ledger       its ledger as last written (formats, which images are whose)
 * @param index        the step's place in the operation, for its crash points
 * @param bandwidthMiB the block jobs' bandwidth limit, 0 for none
 * @param progress     where the step reports its progress
 * @param jobPermits   host-wide block-job slots: a job holds one while it copies
 * @param crash        where the step reports the points inside it
 * @param taken        told what a snapshot step really got
 * @param otherUser    the other managed domain whose ledger names a file, if any: then it is not ours to delete
 */
public record StepContext(String domain, Ledger ledger, int index, long bandwidthMiB, ProgressSink progress,
                          Semaphore jobPermits, CrashSite crash, Consumer<Taken> taken,
                          Function<String, Optional<String>> otherUser) {

    /** Reports reaching {@code where} inside this step. */
    public void reach(CrashPoint.Where where) {
        crash.reach(new CrashPoint(where, index));
    }
}
