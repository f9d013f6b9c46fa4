package dev.virtchain.daemon.commands;

import dev.virtchain.daemon.files.DestinationRefused;
import dev.virtchain.daemon.files.HostFiles;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.daemon.control.CommandArgs;
import dev.virtchain.daemon.control.CommandFailure;
import dev.virtchain.daemon.control.CommandHandler;
import dev.virtchain.daemon.control.ErrorCode;
import dev.virtchain.daemon.control.ProgressSink;
import dev.virtchain.daemon.exec.OperationRunner;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.Snapshot;
import dev.virtchain.model.plan.Intent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code export DOMAIN NAME DEST [--since OLDER]}: writes a snapshot's point in time as a
 * standalone qcow2 image, or with {@code --since} what changed since an older snapshot as a qcow2
 * overlay whose backing is that snapshot's holder (like {@code rbd export-diff}). DEST is one
 * file, so the snapshot must cover one disk.
 */
final class ExportCommand implements CommandHandler {
    static final String NAME = "export";

    private final Context cx;

    ExportCommand(Context cx) {
        this.cx = cx;
    }

    @Override
    public JsonNode handle(CommandArgs args, ProgressSink progress) throws CommandFailure {
        args.allowOnly(Set.of("domain", "name", "dest", "since"));
        String domain = ManagedDomain.name(args, "domain", "domain", null);
        String name = ManagedDomain.name(args, "name", "snapshot", domain);
        Optional<String> since = ManagedDomain.optionalName(args, "since", "snapshot", domain);
        Path dest;
        try {
            dest = cx.services().files().destination(HostFiles.Kind.EXPORT, Arguments.destination(args, "dest"));
        } catch (DestinationRefused e) {
            throw Failures.of(e, domain);
        }
        Ledger ledger = cx.ledger(domain);
        Snapshot snap = ledger.snapshot(name).orElse(null);
        if (snap == null) {
            throw Failures.of(new dev.virtchain.model.UnknownSnapshot(domain, name), domain);
        }
        if (since.isPresent() && ledger.snapshot(since.get()).isEmpty()) {
            throw Failures.of(new dev.virtchain.model.UnknownSnapshot(domain, since.get()), domain);
        }
        List<String> disks = Shapes.coveredDisks(ledger, snap);
        if (disks.size() != 1) {
            throw new CommandFailure(ErrorCode.REFUSED, "snapshot " + name + " of " + domain + " covers disks "
                    + String.join(", ", disks) + ", and export writes one file; export each disk's holder with"
                    + " 'qemu-img convert -U' or take a snapshot of one disk (snapshot-create --disks)", domain,
                    null, name, dest.toString(), null);
        }
        Map<String, String> destinations = Map.of(disks.get(0), dest.toString());
        Intent intent = since.isPresent() ? new Intent.ExportDiff(since.get(), name, destinations)
                : new Intent.Export(name, destinations);
        OperationRunner.Result r = cx.operations().run(domain, intent, OperationRunner.Options.DEFAULT, progress);
        long size;
        try {
            size = Files.size(dest);
        } catch (IOException e) {
            throw new CommandFailure(ErrorCode.FAILED, "the export of " + name + " of " + domain
                    + " finished but " + dest + " cannot be read: " + e.getMessage(), domain, disks.get(0), name,
                    dest.toString(), e);
        }
        ObjectNode data = Shapes.operation(NAME, domain, "done");
        data.put("snapshot", name);
        data.put("since", since.orElse(null));
        data.put("dest", dest.toString());
        data.put("bytes", size);
        data.put("bytesCopied", r.plan().estimatedBytes());
        Shapes.strings(data.putArray("removed"), r.plan().unlinks());
        data.set("plan", Shapes.plan(r.plan()));
        return data;
    }
}
