package dev.virtchain.daemon.exec;

import dev.virtchain.model.Ledger;
import dev.virtchain.model.plan.AllocationFacts;
import dev.virtchain.model.plan.Step;
import java.io.IOException;
import java.util.Collection;
import java.util.List;

/**
 * Everything the executor asks of the machine: the truth it plans and recovers from, and the
 * work of each step. {@link LiveHost} is libvirt, QEMU and qemu-img; the tests' simulated host is
 * the chain-model simulator. The executor itself ({@link OperationRunner}: the write-ahead
 * records, claims, settling and recovery) is the same code on both.
 */
public interface Host {

    /**
     * The domain's chains and state now, plus the backing or absence of every file the given
     * steps' expectations name.
     */
    Observation observe(String domain, Collection<Step> steps);

    default Observation observe(String domain) {
        return observe(domain, List.of());
    }

    boolean isRunning(String domain);

    /** True when a file of that name exists (not following a last link). */
    boolean exists(String path);

    /** The planner's cost inputs for {@code ledger}'s images, measured on demand. */
    AllocationFacts facts(String domain, Ledger ledger, Observation observation);

    /** Bytes free to the daemon in the file system of {@code directory}. */
    long usableSpace(String directory) throws IOException;

    /**
     * Checks that a file an operation will write (an export, a copy target) may be written there:
     * under the configured directories and not there yet.
     *
     * @throws dev.virtchain.daemon.files.DestinationRefused when it may not
     */
    void checkDestination(Step creating, String path);

    /** Removes a file a failed operation created, if it is there. */
    void deleteIfExists(String path) throws IOException;

    /**
     * Lets the file system free the images removed so far. The executor calls it once an
     * operation has written its last record: freeing a large file keeps a processor busy for a while.
     */
    default void freeRemoved() {
    }

    /** Carries out one step that is not a ledger rewrite; repeatable, as recovery may run it again. */
    void run(Step step, StepContext context);

    /** What re-attaching to a block job a step issued before a crash found. */
    enum Reattached {
        /** No such job runs, or it ended without doing its part: run the step again. */
        NOT_DONE,
        /** The job did its part. */
        DONE,
        /** An active commit is in sync; its pivot step follows and holds a job permit. */
        READY
    }

    /** Watches again a block job {@code step} started before a crash, until it has done its part or ended. */
    Reattached reattach(String domain, Step step, Observation observation, long bandwidthMiB);

    /** Aborts a block job still running on the disk after its step failed, if there is one. */
    void abortJob(String domain, String disk) throws Exception;

    /** After a crash between naming a finished export and removing its partial name: the partial one goes. */
    void dropLinkedPartial(String dest);
}
