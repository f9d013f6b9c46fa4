/**
 * The domain model of virtchain: images, per-disk image trees, snapshots and their holders,
 * tombstones, and the {@link dev.virtchain.model.Ledger} that ties them together for one
 * libvirt domain.
 *
 * <p>Everything here is an immutable record or a small value class: no I/O, no libvirt, no
 * Jackson. Time comes in as {@link java.time.Instant} values chosen by the caller. The ledger's
 * rules ({@link dev.virtchain.model.Ledger#check()}) are the ones in the design's section 2:
 * every snapshot names, per disk, the image that holds its point in time; the active image is
 * never a point in time; every file in a tree is there because some point in time, tombstone or
 * the active image needs it.
 *
 * <p>Failures are {@link dev.virtchain.model.ChainException}s: a small sealed hierarchy whose
 * messages name the domain, disk, snapshot and file involved and say what to do.
 */
package dev.virtchain.model;
