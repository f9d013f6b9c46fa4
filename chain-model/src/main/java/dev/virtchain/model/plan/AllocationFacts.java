package dev.virtchain.model.plan;

import dev.virtchain.model.Refused;

import java.util.HashMap;
import java.util.Map;

/**
 * Measured allocation of images, in bytes, as the caller found it: {@code qemu-img map} depths of
 * frozen holders, and for an active image of a running domain whatever libvirt reports (its
 * {@code qemu-img map} may be stale). The planner's estimates are exactly these facts combined, so
 * the estimates are as good as the facts.
 */
public interface AllocationFacts {

    /** Bytes allocated in {@code image} itself (depth 0): what committing it copies. */
    long allocatedBytes(String image);

    /**
     * Bytes a pull into {@code image} from the images strictly between it and {@code base} would
     * copy: data those images hold that {@code image} does not. {@code base} null means the whole
     * chain below {@code image}.
     */
    long bytesPullWouldCopy(String image, String base);

    /**
     * Bytes {@code qemu-img rebase -b newBacking image} (safe mode, offline) would copy. Unlike a
     * block stream it compares contents and skips clusters that read the same through the new
     * backing, for instance zeroes of a raw base when the new backing is none. Defaults to
     * {@link #bytesPullWouldCopy}, which is never less; callers that can measure it should.
     */
    default long bytesRebaseWouldCopy(String image, String newBacking) {
        return bytesPullWouldCopy(image, newBacking);
    }

    /** Facts from two tables; a missing entry is refused, naming the image. */
    static AllocationFacts of(Map<String, Long> allocated, Map<String, Map<String, Long>> pull) {
        Map<String, Long> a = Map.copyOf(allocated);
        Map<String, Map<String, Long>> p = new HashMap<>();
        pull.forEach((k, v) -> p.put(k, new HashMap<>(v)));
        return new AllocationFacts() {
            @Override
            public long allocatedBytes(String image) {
                Long v = a.get(image);
                if (v == null) {
                    throw missing("allocated bytes of " + image, image);
                }
                return v;
            }

            @Override
            public long bytesPullWouldCopy(String image, String base) {
                Map<String, Long> m = p.get(image);
                Long v = m == null ? null : m.get(base == null ? NO_BASE : base);
                if (v == null) {
                    throw missing("bytes a pull into " + image + " from "
                            + (base == null ? "its whole chain" : "the images above " + base) + " would copy", image);
                }
                return v;
            }
        };
    }

    /** Key for "no base" in {@link #of}'s pull table. */
    String NO_BASE = "";

    private static Refused missing(String what, String image) {
        return new Refused(Refused.Reason.MISSING_FACT, "no measurement of the " + what
                + "; measure it (qemu-img map) and plan again", null, null, null, image);
    }
}
