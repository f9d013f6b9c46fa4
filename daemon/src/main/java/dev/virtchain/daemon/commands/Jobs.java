package dev.virtchain.daemon.commands;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.daemon.control.Json;
import dev.virtchain.daemon.exec.OperationRunner;
import dev.virtchain.daemon.ledger.LedgerBook;
import dev.virtchain.daemon.ledger.OperationRecord;
import dev.virtchain.daemon.ledger.StoredLedger;
import dev.virtchain.libvirt.BlockJobState;
import dev.virtchain.libvirt.BlockJobWatcher;
import dev.virtchain.libvirt.LibvirtHost;
import dev.virtchain.model.plan.Step;
import java.util.Locale;
import java.util.Optional;

/**
 * The Jobs of the CLI's contract: what the runner's operations are doing now (their current
 * step, with the block job's state from its watcher). {@code job-list} and {@code status} list them.
 */
final class Jobs {
    private final OperationRunner runner;
    private final LedgerBook book;
    private final LibvirtHost host;

    Jobs(OperationRunner runner, LedgerBook book, LibvirtHost host) {
        this.runner = runner;
        this.book = book;
        this.host = host;
    }

    /** Every job under way, or only those of {@code domain} when it is not null. */
    ArrayNode list(String domain) {
        ArrayNode out = Json.array();
        for (OperationRunner.Active a : runner.active()) {
            if (domain == null || domain.equals(a.domain())) {
                job(a).ifPresent(out::add);
            }
        }
        return out;
    }

    /** The job on one disk, if one runs there. */
    Optional<ObjectNode> onDisk(String domain, String disk) {
        for (OperationRunner.Active a : runner.active()) {
            if (a.domain().equals(domain)) {
                Optional<ObjectNode> j = job(a);
                if (j.isPresent() && disk.equals(j.get().path("disk").textValue())) {
                    return j;
                }
            }
        }
        return Optional.empty();
    }

    private Optional<ObjectNode> job(OperationRunner.Active a) {
        Optional<OperationRecord> op = book.byName(a.domain()).flatMap(StoredLedger::operation)
                .filter(o -> o.id().equals(a.operationId()));
        String disk = null;
        String kind = "operation";
        String operation = "operation";
        if (op.isPresent()) {
            operation = operationName(op.get().kind());
            if (!op.get().finished()) {
                Step step = op.get().currentStep();
                ObjectNode shape = new StepShapes(book.byName(a.domain()).orElseThrow().ledger(),
                        book.byName(a.domain()).orElseThrow().ledger()).shape(step);
                disk = shape.path("disk").textValue();
                // A job's kind, not the step's: a pivot ends an active commit, finishing a copy a copy.
                kind = step.traits().job().orElse(shape.path("kind").textValue());
            }
        }
        Optional<BlockJobWatcher> w = disk == null ? Optional.empty() : host.watcher(a.domain(), disk);
        ObjectNode o = Json.object();
        o.put("domain", a.domain());
        o.put("disk", disk);
        o.put("kind", kind);
        o.put("operation", operation);
        o.put("state", w.map(x -> state(x.state())).orElse("running"));
        o.put("phase", "start".equals(a.phase()) ? kind + (disk == null ? "" : " " + disk) : a.phase());
        o.put("done", a.done());
        o.put("total", a.total());
        long bw = w.map(x -> x.progress().map(p -> p.bandwidthMiB()).orElse(x.job().bandwidthMiB())).orElse(0L);
        if (bw > 0) {
            o.put("bandwidth", bw);
        } else {
            o.putNull("bandwidth");
        }
        o.set("started", Json.time(a.started()));
        return Optional.of(o);
    }

    static String state(BlockJobState s) {
        return switch (s) {
            case RUNNING -> "running";
            case READY -> "ready";
            case PIVOTING -> "pivoting";
            case ABORTING -> "aborting";
            // A job that QEMU dropped and whose outcome is being read still belongs to the operation.
            case CONCLUDING, COMPLETED, FAILED, CANCELED, CONCLUDED_UNKNOWN, VANISHED ->
                    s.name().toLowerCase(Locale.ROOT).replace('_', '-');
        };
    }

    /** The command that started an operation, from the kind the runner records. */
    static String operationName(String recordKind) {
        return switch (recordKind) {
            case "create" -> "snapshot-create";
            case "delete" -> "snapshot-delete";
            case "revert" -> "snapshot-revert";
            case "export-diff" -> "export";
            default -> recordKind;
        };
    }
}
