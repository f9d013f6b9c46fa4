/**
 * A simulator of QEMU's image-layer semantics, precise enough to check plans against and to
 * count what they cost, with no files, no QEMU and no libvirt.
 *
 * <p>{@link dev.virtchain.model.sim.SimulatedHost} holds a host's image files: qcow2 overlays
 * and qcow2 or raw bases, each a sparse map from cluster index to a {@code long} token that
 * stands for the cluster's content (a pattern byte, a write generation). The <em>view</em> of
 * an image is what a guest reading it sees: per cluster, the token of the topmost image in
 * its backing chain that allocates it, else zero. Block commit, active commit with pivot,
 * block stream (pull), block copy, {@code qemu-img rebase} (safe and unsafe), convert and a
 * diff export change images the way QEMU does and report the bytes they copy; the matching
 * queries answer what an operation would copy, with the depth semantics of
 * {@code qemu-img map}. Planner property tests run plans on {@link
 * dev.virtchain.model.sim.SimulatedHost#fork() forks} and compare views before and after;
 * benchmarks compare the bytes copied by different pruning strategies.
 *
 * <h2>Decisions</h2>
 * <ul>
 *   <li>One cluster size per host (64 KiB unless given). Virtual sizes are whole clusters,
 *       every image of a chain has the same size, and resizing is not modelled.</li>
 *   <li>Writes are cluster-granular: a write touching part of a cluster replaces the whole
 *       cluster's token. qcow2 would copy the untouched part from the backing file first;
 *       allocation is the same, content is modelled more coarsely.</li>
 *   <li>Token 0 is zeroes. A cluster allocated with token 0 (a qcow2 zero cluster, or
 *       written zeroes) still hides its backing and counts as allocated: commit, pull and
 *       copy write it and count it, as QEMU's jobs do (often as a cheap write-zeroes).
 *       {@code convert} skips clusters that read as zero, as {@code qemu-img convert} does.
 *       Views make no difference between a zero cluster and an unallocated one.</li>
 *   <li>A raw image has no backing file and, as QEMU reports it, allocates its whole
 *       virtual size: pulling from a raw bottom copies every cluster the overlay lacks, and
 *       {@code allocatedBytes} of a raw image is its virtual size. Clusters never written
 *       read as zero.</li>
 *   <li>Bytes copied are clusters written times the cluster size. Guest writes are not
 *       copies and count nothing; they are logged.</li>
 *   <li>Names are never reused: creating an image under the name of an unlinked one is
 *       refused. Unlinking an image that backs another, or that a guest writes to, is
 *       refused; so is a pivot to an image that does not show what the guest sees.</li>
 *   <li>Committing into an image other images depend on is not refused: their views change,
 *       exactly the hazard a planner must avoid, and tests detect it by comparing views.</li>
 * </ul>
 *
 * <h2>Fidelity limits</h2>
 * <ul>
 *   <li>Operations are atomic. Block jobs that run while the guest writes, READY states,
 *       aborts, cancelled jobs, crashes part-way and I/O errors are not modelled.</li>
 *   <li>A guest is modelled only by the image it writes to. Domains, disks and libvirt's
 *       restrictions (live pull only into the active image, live commit of the active image
 *       only as an active commit) are the planner's business, not checked here.</li>
 *   <li>{@code qemu-img commit} empties the committed image afterwards unless given
 *       {@code -d}; the simulator keeps it as it was, which is what block commit does.</li>
 *   <li>{@code convertDiff} writes exactly the clusters where the two views differ. The real
 *       {@code qemu-img convert -B BASE SOURCE} copies the clusters allocated in SOURCE's
 *       top layer only, trusting that SOURCE's backing shows what BASE shows: it copies more
 *       when clusters are rewritten with the same content, and gives a wrong image when
 *       layers lie between SOURCE and BASE.</li>
 *   <li>Discard, compression, encryption, internal snapshots, bitmaps, preallocation,
 *       per-image cluster sizes and metadata overhead are not modelled; allocated bytes are
 *       data clusters only.</li>
 * </ul>
 */
package dev.virtchain.model.sim;
