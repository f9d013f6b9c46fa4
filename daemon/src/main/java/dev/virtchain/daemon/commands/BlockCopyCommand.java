package dev.virtchain.daemon.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.daemon.control.CommandArgs;
import dev.virtchain.daemon.control.CommandFailure;
import dev.virtchain.daemon.control.CommandHandler;
import dev.virtchain.daemon.ProgressSink;
import dev.virtchain.daemon.exec.OperationRunner;
import dev.virtchain.daemon.files.DestinationRefused;
import dev.virtchain.daemon.files.HostFiles;
import dev.virtchain.model.ImageFormat;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.plan.Intent;
import java.nio.file.Path;
import java.util.Set;

/**
 * {@code blockcopy DOMAIN DISK DEST [--shallow] [--pivot] [--format qcow2|raw] [--bandwidth MiB/s] [--dry-run]}:
 * a live copy of a running domain's disk. Without {@code --shallow} the whole chain is flattened
 * into DEST; with it DEST is a qcow2 overlay on the active image's backing file. Without
 * {@code --pivot} the job is finished once in sync and the domain keeps its chain; with it the
 * domain switches to DEST and the ledger follows.
 *
 * <p>An operation like any other: planned (which refuses what the ledger could not follow),
 * journalled step by step under the domain's disk claims, and carried to its end by recovery
 * after a crash, so the ledger always names the file QEMU writes.
 */
final class BlockCopyCommand implements CommandHandler {
    static final String NAME = "blockcopy";

    private final Context cx;

    BlockCopyCommand(Context cx) {
        this.cx = cx;
    }

    @Override
    public JsonNode handle(CommandArgs args, ProgressSink progress) throws CommandFailure {
        args.allowOnly(Set.of("domain", "disk", "dest", "shallow", "pivot", "format", "bandwidth", "dry-run"));
        String domain = ManagedDomain.name(args, "domain", "domain", null);
        String disk = ManagedDomain.name(args, "disk", "disk target", domain);
        Path requested = Arguments.destination(args, "dest");
        boolean shallow = args.flag("shallow", false);
        boolean pivot = args.flag("pivot", false);
        boolean dryRun = args.flag("dry-run", false);
        String format = args.optionalString("format").orElse("qcow2");
        if (!format.equals("qcow2") && !format.equals("raw")) {
            throw CommandFailure.invalidArgument("argument 'format' must be qcow2 or raw, not '" + format + "'");
        }
        long bandwidth = Arguments.bandwidth(args);
        Ledger ledger = cx.ledger(domain);
        if (ledger.disk(disk).isEmpty()) {
            throw Failures.of(new dev.virtchain.model.UnknownDisk(domain, disk, ledger.diskTargets()), domain);
        }
        Path dest;
        try {
            dest = cx.services().files().destination(HostFiles.Kind.COPY, requested);
        } catch (DestinationRefused e) {
            throw Failures.of(e, domain);
        }
        Intent.BlockCopy intent = new Intent.BlockCopy(disk, dest.toString(), shallow,
                format.equals("raw") ? ImageFormat.RAW : ImageFormat.QCOW2, pivot);
        OperationRunner.Result r = dryRun ? cx.operations().plan(domain, intent)
                : cx.operations().run(domain, intent, new OperationRunner.Options(false, bandwidth, false), progress);
        ObjectNode data = Shapes.operation(NAME, domain, dryRun ? "planned" : "done");
        data.put("disk", disk);
        data.put("dest", dest.toString());
        data.put("pivoted", pivot && !dryRun);
        if (!dryRun) {
            data.put("bytesCopied", r.plan().estimatedBytes());
            Shapes.strings(data.putArray("removed"), r.plan().unlinks());
        }
        data.set("plan", Shapes.plan(r.plan()));
        return data;
    }
}
