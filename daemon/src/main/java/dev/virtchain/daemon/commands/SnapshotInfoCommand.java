package dev.virtchain.daemon.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtchain.daemon.control.CommandArgs;
import dev.virtchain.daemon.control.CommandFailure;
import dev.virtchain.daemon.control.CommandHandler;
import dev.virtchain.daemon.control.Json;
import dev.virtchain.daemon.ProgressSink;
import dev.virtchain.libvirt.image.QemuImg;
import dev.virtchain.model.Image;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.Snapshot;
import java.nio.file.Path;
import java.util.Set;
import java.util.function.ToLongFunction;

/**
 * {@code snapshot-info DOMAIN NAME}: one snapshot with its children, whether it is current or
 * protected (and by which clones), and per disk the holder's format and virtual size.
 */
final class SnapshotInfoCommand implements CommandHandler {
    static final String NAME = "snapshot-info";

    private final Context cx;

    SnapshotInfoCommand(Context cx) {
        this.cx = cx;
    }

    @Override
    public JsonNode handle(CommandArgs args, ProgressSink progress) throws CommandFailure {
        args.allowOnly(Set.of("domain", "name"));
        String domain = ManagedDomain.name(args, "domain", "domain", null);
        String name = ManagedDomain.name(args, "name", "snapshot", domain);
        Ledger ledger = cx.ledger(domain);
        Snapshot s = ledger.snapshot(name).orElse(null);
        if (s == null) {
            throw Failures.of(new dev.virtchain.model.UnknownSnapshot(domain, name), domain);
        }
        try {
            return info(ledger, s, file -> cx.imageInfo(ledger, file).virtualSize());
        } catch (RuntimeException e) {
            throw Failures.of(e, domain);
        }
    }

    /** The shape, with {@code virtualSize} measuring an image file. */
    static ObjectNode info(Ledger ledger, Snapshot s, ToLongFunction<String> virtualSize) {
        ObjectNode o = Json.object();
        o.put("domain", ledger.domainName());
        o.put("name", s.name());
        o.set("created", Json.time(s.created()));
        o.put("parent", s.parent());
        ArrayNode children = o.putArray("children");
        for (Snapshot c : ledger.snapshots()) {
            if (s.name().equals(c.parent())) {
                children.add(c.name());
            }
        }
        o.put("consistency", Shapes.consistency(s.consistency()));
        o.put("consistencyNote", s.consistencyNote());
        o.put("origin", Shapes.origin(s));
        o.put("description", s.description());
        o.put("current", s.name().equals(ledger.current()));
        o.put("protected", s.isProtected());
        Shapes.strings(o.putArray("clones"), s.protectedBy());
        ArrayNode disks = o.putArray("disks");
        for (String target : Shapes.coveredDisks(ledger, s)) {
            String file = s.holder(target);
            Image image = ledger.requireDisk(target).image(file);
            ObjectNode d = disks.addObject();
            d.put("target", target);
            d.put("file", file);
            d.put("format", image == null ? null : image.format().qemuName());
            d.put("virtualSize", virtualSize.applyAsLong(file));
        }
        return o;
    }
}
