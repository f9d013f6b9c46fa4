package dev.virtchain.daemon.commands;

import dev.virtchain.daemon.files.CreatedFile;
import dev.virtchain.daemon.files.DestinationRefused;
import dev.virtchain.daemon.files.HostFiles;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.daemon.control.CommandArgs;
import dev.virtchain.daemon.control.CommandFailure;
import dev.virtchain.daemon.control.CommandHandler;
import dev.virtchain.daemon.control.ErrorCode;
import dev.virtchain.daemon.ProgressSink;
import dev.virtchain.daemon.exec.OperationRunner;
import dev.virtchain.libvirt.image.DiskChain;
import dev.virtchain.libvirt.image.GuestContent;
import dev.virtchain.libvirt.image.ImageChain;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.Snapshot;
import dev.virtchain.model.plan.Intent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code export DOMAIN NAME DEST [--disk DISK] [--since OLDER]}: writes a snapshot's point in
 * time as standalone qcow2 images, or with {@code --since} what changed since an older snapshot
 * as qcow2 overlays whose backing is that snapshot's holder (like {@code rbd export-diff}).
 *
 * <p>DEST is a directory under export-dirs: one image per disk ({@code DOMAIN-NAME-DISK.qcow2},
 * with {@code --since} {@code DOMAIN-OLDER-NAME-DISK.qcow2}) and a manifest beside them
 * ({@code DOMAIN-NAME.json}, {@code DOMAIN-NAME-DISK.json} with {@code --disk}) naming the domain,
 * snapshot, consistency and, per disk, file, format, virtual size and the SHA-256 of what the
 * guest saw. Or DEST is a new file, as before: one disk's image and no manifest, for a snapshot of
 * one disk or with {@code --disk}. Every file is created exclusively and appears only complete.
 */
final class ExportCommand implements CommandHandler {
    static final String NAME = "export";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Context cx;

    ExportCommand(Context cx) {
        this.cx = cx;
    }

    @Override
    public JsonNode handle(CommandArgs args, ProgressSink progress) throws CommandFailure {
        args.allowOnly(Set.of("domain", "name", "dest", "since", "disk"));
        String domain = ManagedDomain.name(args, "domain", "domain", null);
        String name = ManagedDomain.name(args, "name", "snapshot", domain);
        Optional<String> since = ManagedDomain.optionalName(args, "since", "snapshot", domain);
        Optional<String> onlyDisk = ManagedDomain.optionalName(args, "disk", "disk", domain);
        Path requested = Arguments.destination(args, "dest");
        Ledger ledger = cx.ledger(domain);
        Snapshot snap = ledger.snapshot(name).orElse(null);
        if (snap == null) {
            throw Failures.of(new dev.virtchain.model.UnknownSnapshot(domain, name), domain);
        }
        if (since.isPresent() && ledger.snapshot(since.get()).isEmpty()) {
            throw Failures.of(new dev.virtchain.model.UnknownSnapshot(domain, since.get()), domain);
        }
        List<String> covered = Shapes.coveredDisks(ledger, snap);
        List<String> disks = covered;
        if (onlyDisk.isPresent()) {
            if (!ledger.diskTargets().contains(onlyDisk.get())) {
                throw Failures.of(new dev.virtchain.model.UnknownDisk(domain, onlyDisk.get(), ledger.diskTargets()),
                        domain);
            }
            if (!covered.contains(onlyDisk.get())) {
                throw new CommandFailure(ErrorCode.REFUSED, "snapshot " + name + " of " + domain + " does not cover disk "
                        + onlyDisk.get() + " (it covers " + String.join(", ", covered) + ")", domain, onlyDisk.get(),
                        name, null, null);
            }
            disks = List.of(onlyDisk.get());
        }
        boolean toDirectory = Files.isDirectory(requested, LinkOption.NOFOLLOW_LINKS);
        if (!toDirectory && disks.size() != 1) {
            throw new CommandFailure(ErrorCode.REFUSED, "snapshot " + name + " of " + domain + " covers disks "
                    + String.join(", ", disks) + ", and " + requested + " is not a directory; give a directory under"
                    + " export-dirs (one image per disk and a manifest) or one disk with --disk", domain, null, name,
                    requested.toString(), null);
        }
        String base = domain + "-" + since.map(s -> s + "-").orElse("") + name;
        Map<String, Path> files = new LinkedHashMap<>();
        Path manifest = null;
        try {
            for (String disk : disks) {
                Path file = toDirectory ? requested.resolve(base + "-" + disk + ".qcow2") : requested;
                files.put(disk, cx.services().files().destination(HostFiles.Kind.EXPORT, file));
            }
            if (toDirectory) {
                String manifestName = base + (onlyDisk.isPresent() ? "-" + onlyDisk.get() : "") + ".json";
                manifest = cx.services().files().destination(HostFiles.Kind.EXPORT, requested.resolve(manifestName));
            }
        } catch (DestinationRefused e) {
            throw Failures.of(e, domain);
        }
        Map<String, String> destinations = new LinkedHashMap<>();
        files.forEach((disk, file) -> destinations.put(disk, file.toString()));
        Intent intent = since.isPresent() ? new Intent.ExportDiff(since.get(), name, destinations)
                : new Intent.Export(name, destinations);
        OperationRunner.Result r = cx.operations().run(domain, intent, OperationRunner.Options.DEFAULT, progress);

        ObjectNode data = Shapes.operation(NAME, domain, "done");
        data.put("snapshot", name);
        data.put("since", since.orElse(null));
        data.put("dest", toDirectory ? requested.toString() : files.values().iterator().next().toString());
        ArrayNode written = JSON.createArrayNode();
        long bytes = 0;
        for (Map.Entry<String, Path> f : files.entrySet()) {
            ObjectNode entry = describe(ledger, domain, name, since, f.getKey(), f.getValue());
            bytes += entry.path("bytes").asLong();
            written.add(entry);
        }
        data.put("bytes", bytes);
        data.put("bytesCopied", r.plan().estimatedBytes());
        Shapes.strings(data.putArray("removed"), r.plan().unlinks());
        data.set("plan", Shapes.plan(r.plan()));
        data.set("files", written);
        if (manifest != null) {
            ObjectNode m = JSON.createObjectNode();
            m.put("domain", domain);
            m.put("snapshot", name);
            m.put("since", since.orElse(null));
            m.put("created", snap.created().toString());
            m.put("consistency", Shapes.consistency(snap.consistency()));
            ArrayNode mDisks = m.putArray("disks");
            for (JsonNode w : written) {
                ObjectNode d = mDisks.addObject();
                d.put("target", w.path("disk").textValue());
                d.put("file", Path.of(w.path("file").textValue()).getFileName().toString());
                d.put("format", w.path("format").textValue());
                d.set("backing", w.path("backing"));
                d.put("virtualSize", w.path("virtualSize").asLong());
                d.set("sha256", w.path("sha256"));
            }
            writeManifest(domain, name, manifest, m);
        }
        data.put("manifest", manifest == null ? null : manifest.toString());
        return data;
    }

    /**
     * One written image: its size, and the digest of what the guest saw (read through the holder
     * of {@code --since}'s snapshot for a diff, which is the image's backing).
     */
    private ObjectNode describe(Ledger ledger, String domain, String name, Optional<String> since, String disk,
                                Path file) throws CommandFailure {
        ObjectNode o = JSON.createObjectNode();
        o.put("disk", disk);
        o.put("file", file.toString());
        o.put("format", "qcow2");
        List<DiskChain.Link> links = new ArrayList<>();
        links.add(new DiskChain.Link(file, "qcow2"));
        String backing = null;
        try {
            if (since.isPresent()) {
                backing = ledger.snapshot(since.get()).orElseThrow().holder(disk);
                links.addAll(cx.services().files().chain(ledger, backing).links());
            }
            ImageChain chain = new ImageChain(links);
            o.put("backing", backing);
            o.put("virtualSize", cx.services().qemuImg().info(file, "qcow2").virtualSize());
            o.put("bytes", Files.size(file));
            o.put("sha256", GuestContent.sha256(chain).orElse(null));
            return o;
        } catch (IOException | RuntimeException e) {
            throw new CommandFailure(ErrorCode.FAILED, "the export of " + name + " of " + domain + " wrote " + file
                    + " but it cannot be read back: " + e.getMessage(), domain, disk, name, file.toString(), e);
        }
    }

    /** Written like the images: a partial file made exclusively, synced, linked to its name. */
    private static void writeManifest(String domain, String name, Path manifest, ObjectNode m) throws CommandFailure {
        Path partial = manifest.resolveSibling("." + manifest.getFileName() + ".partial");
        try (CreatedFile created = HostFiles.createExclusive(partial)) {
            try {
                try (FileChannel ch = FileChannel.open(partial, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                    ByteBuffer b = ByteBuffer.wrap(JSON.writeValueAsBytes(m));
                    while (b.hasRemaining()) {
                        ch.write(b);
                    }
                    ch.write(ByteBuffer.wrap(new byte[] {'\n'}));
                    ch.force(true);
                }
                if (!created.stillOurs()) {
                    throw new IOException(partial + " was replaced while it was written");
                }
                Files.createLink(manifest, partial);
            } finally {
                created.deleteIfOurs();
            }
        } catch (DestinationRefused e) {
            throw Failures.of(e, domain);
        } catch (IOException e) {
            throw new CommandFailure(ErrorCode.FAILED, "the images of " + name + " of " + domain
                    + " were exported, but the manifest " + manifest + " cannot be written: " + e.getMessage(),
                    domain, null, name, manifest.toString(), e);
        }
    }
}
