package dev.virtchain.daemon.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.daemon.control.CommandArgs;
import dev.virtchain.daemon.control.CommandFailure;
import dev.virtchain.daemon.control.CommandHandler;
import dev.virtchain.daemon.control.Json;
import dev.virtchain.daemon.ProgressSink;
import dev.virtchain.libvirt.image.ImageInfo;
import dev.virtchain.model.Disk;
import dev.virtchain.model.Image;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.Snapshot;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code chain DOMAIN [DISK]}: every image of each disk's tree, bases first, with its backing
 * file, the bytes it takes on the host and the disk size the guest sees (from the image header),
 * the snapshots it holds, and whether it is the active image, a tombstone or protected.
 */
final class ChainCommand implements CommandHandler {
    static final String NAME = "chain";

    private final Context cx;

    ChainCommand(Context cx) {
        this.cx = cx;
    }

    @Override
    public JsonNode handle(CommandArgs args, ProgressSink progress) throws CommandFailure {
        args.allowOnly(Set.of("domain", "disk"));
        String domain = ManagedDomain.name(args, "domain", "domain", null);
        Optional<String> disk = ManagedDomain.optionalName(args, "disk", "disk target", domain);
        Ledger ledger = cx.ledger(domain);
        if (disk.isPresent() && ledger.disk(disk.get()).isEmpty()) {
            throw Failures.of(new dev.virtchain.model.UnknownDisk(domain, disk.get(), ledger.diskTargets()), domain);
        }
        try {
            return chain(ledger, disk.orElse(null), file -> cx.imageInfo(ledger, file));
        } catch (RuntimeException e) {
            throw Failures.of(e, domain);
        }
    }

    /** The shape; {@code info} reads one image's header (only its own entry is used). */
    static ObjectNode chain(Ledger ledger, String onlyDisk, Function<String, ImageInfo> info) {
        ObjectNode data = Json.object();
        data.put("domain", ledger.domainName());
        ArrayNode disks = data.putArray("disks");
        for (Disk d : ledger.disks()) {
            if (onlyDisk != null && !onlyDisk.equals(d.target())) {
                continue;
            }
            ObjectNode o = disks.addObject();
            o.put("target", d.target());
            o.put("active", d.active());
            ArrayNode images = o.putArray("images");
            for (Image i : basesFirst(d)) {
                ImageInfo header = info.apply(i.path());
                ObjectNode x = images.addObject();
                x.put("file", i.path());
                x.put("format", i.format().qemuName());
                x.put("backing", i.backing());
                x.put("size", header.actualSize() >= 0 ? header.actualSize() : 0);
                x.put("virtualSize", header.virtualSize());
                ArrayNode held = x.putArray("snapshots");
                boolean isProtected = false;
                for (Snapshot s : ledger.snapshots()) {
                    if (i.path().equals(s.holder(d.target()))) {
                        held.add(s.name());
                        isProtected |= s.isProtected();
                    }
                }
                x.put("active", i.path().equals(d.active()));
                x.put("tombstone", ledger.tombstone(d.target(), i.path()).isPresent());
                x.put("protected", isProtected);
            }
        }
        return data;
    }

    /** A disk's images ordered by their depth in the tree (bases first), in ledger order within a depth. */
    static List<Image> basesFirst(Disk d) {
        List<Image> out = new ArrayList<>(d.images());
        out.sort(Comparator.comparingInt(i -> d.chainFrom(i.path()).size()));
        return out;
    }
}
