/**
 * The live half of the libvirt adapter: one kept-open connection to libvirtd and what virtchain
 * does through it — external disk-only snapshots, block jobs (pull, commit, active commit, copy)
 * with a watcher per job, virtchain's {@code <metadata>} element, and domain lifecycle events.
 *
 * <p>{@link dev.virtchain.libvirt.LibvirtHost} is the façade the daemon uses; requests and
 * results are records, errors a sealed {@link dev.virtchain.libvirt.HypervisorException}
 * hierarchy naming domain, disk, snapshot and file. The rest is package-private machinery:
 * <ul>
 *   <li>{@code LibvirtSession}: the connection, keepalive, reconnection with backoff,
 *       re-registration of every event listener (all on one thread);</li>
 *   <li>{@code NativeLibvirt}: JNA bindings for what libvirt-java 0.5.4 lacks
 *       (virDomainBlockRebase, virDomainBlockJobSetSpeed, a block-job info that tells "no job");</li>
 *   <li>{@link dev.virtchain.libvirt.BlockJobWatcher}: one per job, events plus polling, an
 *       explicit {@link dev.virtchain.libvirt.BlockJobState} machine, the outcome decided from the
 *       chain in the domain XML after the job ({@code ChainVerdict});</li>
 *   <li>{@code SnapshotTaker}: prepare / apply / rollback of a snapshot.</li>
 * </ul>
 *
 * <p>Offline work on images (qemu-img) and parsing of domain XML live in the sibling packages
 * {@code image} and {@code xml}.
 */
package dev.virtchain.libvirt;
