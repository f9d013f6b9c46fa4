package dev.virtchain.daemon.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.daemon.control.CommandArgs;
import dev.virtchain.daemon.control.CommandFailure;
import dev.virtchain.daemon.control.CommandHandler;
import dev.virtchain.daemon.control.ErrorCode;
import dev.virtchain.daemon.control.Json;
import dev.virtchain.daemon.ProgressSink;
import dev.virtchain.libvirt.BlockJobWatcher;
import dev.virtchain.model.Ledger;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code job-abort DOMAIN DISK}: aborts the block job on that disk and waits until its operation
 * has dealt with the end. {@code rolledBack} says whether the operation went back to a consistent
 * state by itself (the runner undoes a stretch that had not moved the chains yet; an aborted copy
 * has its destination removed); when it is false, {@code status} shows what recovery has to do.
 */
final class JobAbortCommand implements CommandHandler {
    static final String NAME = "job-abort";
    private static final Duration SETTLE = Duration.ofMinutes(2);

    private final Context cx;

    JobAbortCommand(Context cx) {
        this.cx = cx;
    }

    @Override
    public JsonNode handle(CommandArgs args, ProgressSink progress) throws CommandFailure {
        args.allowOnly(Set.of("domain", "disk"));
        String domain = ManagedDomain.name(args, "domain", "domain", null);
        String disk = ManagedDomain.name(args, "disk", "disk target", domain);
        Ledger ledger = cx.ledger(domain);
        if (ledger.disk(disk).isEmpty()) {
            throw Failures.of(new dev.virtchain.model.UnknownDisk(domain, disk, ledger.diskTargets()), domain);
        }
        ObjectNode data = Json.object();
        data.put("domain", domain);
        data.put("disk", disk);

        Optional<ObjectNode> job = cx.jobs().onDisk(domain, disk);
        Optional<BlockJobWatcher> watcher = cx.services().host().watcher(domain, disk);
        if (job.isEmpty() && watcher.isEmpty()) {
            data.putNull("job");
            data.put("rolledBack", false);
            return data;
        }
        if (watcher.isEmpty()) {
            throw new CommandFailure(ErrorCode.REFUSED, "disk " + disk + " of " + domain + " is in the middle of a step"
                    + " that is not a block job (" + job.get().path("phase").asText() + ", run by qemu-img or"
                    + " libvirt), which cannot be aborted; wait for it ('virtchain job-list " + domain + "')",
                    domain, disk, null, null, null);
        }
        ObjectNode shown = job.orElseGet(Json::object);
        shown.put("state", "aborting");
        data.set("job", job.isPresent() ? shown : com.fasterxml.jackson.databind.node.NullNode.getInstance());
        String operation = cx.services().runner().active().stream().filter(a -> a.domain().equals(domain))
                .map(a -> a.operationId()).findFirst().orElse(null);
        try {
            watcher.get().abort().get(SETTLE.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandFailure(ErrorCode.FAILED, "interrupted while aborting the job on " + disk + " of " + domain,
                    domain, disk, null, null, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new CommandFailure(ErrorCode.FAILED, "the block job on " + disk + " of " + domain + " did not abort: "
                    + (e.getCause() == null ? e : e.getCause()).getMessage() + "; check 'virtchain job-list " + domain
                    + "'", domain, disk, null, null, e);
        }
        // The operation's runner sees the job end and settles: rolls back, or keeps its record for recovery.
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (operation != null && System.nanoTime() < deadline && cx.services().runner().active().stream()
                .anyMatch(a -> a.domain().equals(domain))) {
            sleep();
        }
        boolean settled = cx.services().book().byName(domain).map(s -> s.operation().isEmpty()).orElse(false);
        data.put("rolledBack", settled);
        return data;
    }

    private static void sleep() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
