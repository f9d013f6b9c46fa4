package dev.virtchain.daemon.commands;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.virtchain.daemon.LogScope;
import dev.virtchain.daemon.control.CommandFailure;
import dev.virtchain.daemon.control.ErrorCode;
import dev.virtchain.daemon.control.Json;
import dev.virtchain.daemon.ProgressSink;
import dev.virtchain.daemon.exec.OperationRunner;
import dev.virtchain.libvirt.DaemonThreads;
import dev.virtchain.model.plan.Intent;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an intent for a command in one of its three modes: plan only ({@code --dry-run}), run
 * and wait, streaming progress, or start and answer at once ({@code --no-wait}). Runner errors
 * become protocol errors here.
 */
final class Operations {
    private static final Logger log = LoggerFactory.getLogger(Operations.class);
    /** How long a {@code --no-wait} answer waits for the operation to be journalled and under way. */
    private static final Duration START_WAIT = Duration.ofSeconds(30);
    /** And then for its first block job to show up, so the answer can list it. */
    private static final Duration JOB_WAIT = Duration.ofSeconds(3);
    private static final long POLL_MILLIS = 25;

    private final OperationRunner runner;
    private final Jobs jobs;
    private final ExecutorService background;

    Operations(OperationRunner runner, Jobs jobs) {
        this.runner = runner;
        this.jobs = jobs;
        // Daemon threads: a stopping daemon does not wait for hours of block jobs; each operation
        // is journalled and recovery finishes it at the next start.
        this.background = Executors.newCachedThreadPool(DaemonThreads.numbered("operation-"));
    }

    /** Plans without changing anything. */
    OperationRunner.Result plan(String domain, Intent intent) throws CommandFailure {
        return run(domain, intent, new OperationRunner.Options(true, 0, false), ProgressSink.DISCARD);
    }

    /** Runs to the end, reporting progress. */
    OperationRunner.Result run(String domain, Intent intent, OperationRunner.Options options, ProgressSink progress)
            throws CommandFailure {
        try {
            return runner.run(domain, intent, options, progress);
        } catch (RuntimeException e) {
            throw Failures.of(e, domain);
        }
    }

    /** What {@link #start} saw: the operation's jobs while it runs, or its result if it ended that fast. */
    record Started(ArrayNode jobs, Optional<OperationRunner.Result> finished) {}

    /**
     * Starts the operation on a background thread and returns once it is journalled and running
     * (a refusal before that, such as BUSY or an unknown snapshot, is thrown as for {@link #run}).
     */
    Started start(String domain, Intent intent, OperationRunner.Options options) throws CommandFailure {
        CompletableFuture<OperationRunner.Result> done = new CompletableFuture<>();
        background.execute(() -> {
            try (LogScope scope = LogScope.domain(domain)) {
                done.complete(runner.run(domain, intent, options, ProgressSink.DISCARD));
            } catch (RuntimeException e) {
                // The client may have had its answer already: the log is where this failure shows.
                log.warn("operation on {} started without waiting failed: {}", domain, e.getMessage());
                done.completeExceptionally(e);
            } catch (Error e) {
                done.completeExceptionally(e);
                throw e;
            }
        });
        long deadline = System.nanoTime() + START_WAIT.toNanos();
        boolean running = false;
        while (System.nanoTime() < deadline && !done.isDone()) {
            if (runner.active().stream().anyMatch(a -> a.domain().equals(domain))) {
                running = true;
                break;
            }
            sleep();
        }
        if (running) {
            long jobDeadline = System.nanoTime() + JOB_WAIT.toNanos();
            while (System.nanoTime() < jobDeadline && !done.isDone() && !hasBlockJob(domain)) {
                sleep();
            }
        }
        if (done.isDone()) {
            return new Started(Json.array(), Optional.of(result(done, domain)));
        }
        return new Started(jobs.list(domain), Optional.empty());
    }

    /** The first progress report of a step replaces the runner's initial "start" phase. */
    private boolean hasBlockJob(String domain) {
        return runner.active().stream().anyMatch(a -> a.domain().equals(domain) && !"start".equals(a.phase()));
    }

    /**
     * The result of an operation that is done. A runner error becomes its protocol error as in
     * {@link #run}; an {@link Error} (which the operation's thread also rethrew, so it is logged)
     * is answered as a failure of the operation instead of leaving the client without an answer.
     */
    static OperationRunner.Result result(CompletableFuture<OperationRunner.Result> done, String domain)
            throws CommandFailure {
        if (!done.isDone()) {
            throw new IllegalStateException("the operation on " + domain + " is not done yet");
        }
        try {
            return done.join(); // done: join neither blocks nor waits for an interrupt
        } catch (CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof RuntimeException r) {
                throw Failures.of(r, domain);
            }
            throw new CommandFailure(ErrorCode.FAILED, "the operation on " + domain + " stopped with an internal"
                    + " error: " + cause + "; see the daemon's log",
                    domain, null, null, null, cause);
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
