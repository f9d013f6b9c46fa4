package dev.virtchain.daemon.exec;

import dev.virtchain.libvirt.image.ImageChain;
import java.util.function.Function;

import dev.virtchain.libvirt.image.CopyCost;
import dev.virtchain.libvirt.image.ImageMap;
import dev.virtchain.libvirt.image.QemuImg;
import dev.virtchain.model.Disk;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.plan.AllocationFacts;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The planner's cost inputs measured with {@code qemu-img map -U}, one map per image, on demand
 * (a prune of a long chain asks about few images), cached for one planning.
 *
 * <p>An allocated zero cluster costs a write like data does, so costs count both. For the active
 * image of a running domain the map lags behind the guest (QEMU caches qcow2 metadata until it
 * flushes), so what committing it costs is the larger of its map and libvirt's current
 * allocation of the file: an active commit must never look cheaper than it is, or a guest that
 * wrote a lot would have all of it copied where a pull of a small snapshot would do. A stale
 * map also under-states what the active image already holds, which makes a pull into it look
 * dearer, never cheaper, than it is.
 */
final class MeasuredFacts implements AllocationFacts {
    private final QemuImg qemuImg;
    private final Ledger ledger;
    private final Function<String, ImageChain> chains;
    private final Function<String, Long> liveAllocation;
    private final Map<String, Long> live = new HashMap<>();
    private final Map<String, ImageMap> maps = new HashMap<>();

    /**
     * @param chains         the verified chain under an image, with formats, as qemu-img is told it
     * @param liveAllocation libvirt's allocation of an image a running guest writes, 0 for any other;
     *                       asked once per image, and only when a plan needs the image's size (a
     *                       snapshot's plan never does)
     */
    MeasuredFacts(QemuImg qemuImg, Ledger ledger, Function<String, ImageChain> chains,
                  Function<String, Long> liveAllocation) {
        this.qemuImg = qemuImg;
        this.ledger = ledger;
        this.chains = chains;
        this.liveAllocation = liveAllocation;
    }

    @Override
    public long allocatedBytes(String image) {
        long mapped = bytes(map(image).commitCost());
        return Math.max(mapped, live.computeIfAbsent(image, liveAllocation));
    }

    @Override
    public long bytesPullWouldCopy(String image, String base) {
        if (base == null) {
            return bytes(map(image).flattenCost());
        }
        List<String> chain = chainFrom(image);
        int depth = chain.indexOf(base);
        if (depth < 0) {
            throw new IllegalArgumentException(base + " is not below " + image + " in the ledger of "
                    + ledger.domainName());
        }
        return bytes(map(image).pullCost(depth));
    }

    private List<String> chainFrom(String image) {
        for (Disk d : ledger.disks()) {
            if (d.contains(image)) {
                return d.chainFrom(image);
            }
        }
        throw new IllegalArgumentException(image + " is not an image of " + ledger.domainName());
    }

    private ImageMap map(String image) {
        return maps.computeIfAbsent(image, i -> qemuImg.map(chains.apply(i)));
    }

    private static long bytes(CopyCost c) {
        return c.dataBytes() + c.zeroBytes();
    }
}
