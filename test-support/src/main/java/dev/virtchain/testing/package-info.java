/**
 * The integration-test harness: real libvirtd, real QEMU, throwaway domains.
 *
 * <p>Every integration test ({@code *IT}, run by Failsafe in {@code mvn verify}) uses it like this:
 *
 * <pre>{@code
 * try (TestDomain dom = TestDomain.builder().disks(2).create()) {     // running, qcow2 bases
 *     dom.write("vda", 0x5a, "0", "1M");                              // guest write + flush
 *     String before = ImageContent.digest(dom.activeImage("vda"));    // what the chain shows
 *     dom.externalSnapshot(Map.of("vda", dom.dir().resolve("vda.1.qcow2")));
 *     List<Path> chain = dom.chain("vda");                            // active first, from the XML
 * }                                                                   // destroyed, undefined, files gone
 * }</pre>
 *
 * <ul>
 *   <li>{@link dev.virtchain.testing.TestDomain}: a domain {@code type='qemu'} (TCG, no guest OS)
 *       named {@code vctest-<pid>-<random>} with 1–3 virtio disks ({@code vda}…) on qcow2 or raw
 *       bases in its own directory under {@link dev.virtchain.testing.TestDomain#workRoot()};
 *       {@code running(false)} leaves it defined and shut off. {@code write} writes guest data
 *       through HMP {@code qemu-io} and flushes; {@code chain} reads the backing chain from the
 *       domain XML; {@code externalSnapshot} makes a chain the way an operator would by hand;
 *       {@code close} destroys, undefines and deletes the directory, also after a failed test.</li>
 *   <li>{@link dev.virtchain.testing.ImageContent}: the digest or bytes of what an image chain
 *       shows a guest ({@code qemu-img convert -U -O raw}).</li>
 *   <li>{@link dev.virtchain.testing.TestLibvirt}: the shared connection
 *       ({@code VIRTCHAIN_TEST_URI}, default {@code qemu:///system}). An unreachable libvirtd
 *       fails the test — it never skips. On first connection it prints the libvirt, QEMU and
 *       qemu-img versions under test, and removes domains and directories of killed test runs
 *       (whose pid in the name is dead).</li>
 *   <li>{@link dev.virtchain.testing.LibvirtdUnderTest}: which hypervisor a run drives — the
 *       host's, or a Debian 13 root's libvirtd in a chroot ({@code VIRTCHAIN_TEST_ROOT}, set by
 *       {@code scripts/test --host=trixie}) — its pidfile, pid and restart. Tests that stop
 *       libvirtd go through it: with two libvirtds on one machine, never by name.</li>
 *   <li>{@link dev.virtchain.testing.RealGuest}: a booting Linux guest (Debian's kernel, a busybox
 *       initramfs, {@code qemu-guest-agent}) whose writer appends numbered, check-summed records
 *       to ext4 file systems on its disks and reports on the serial console; built from Debian
 *       packages at test time and cached under {@code VIRTCHAIN_TEST_CACHE} (default
 *       {@code /var/cache/virtchain-test}). QEMU runs at nice 10.</li>
 *   <li>{@link dev.virtchain.testing.GuestRecords}: the offline verifier of one disk at one point
 *       in time: {@code e2fsck} clean (quiesced) or clean after replay (crash-consistent), every
 *       record whole and in sequence, the last record's number.</li>
 * </ul>
 *
 * <p>Images live under {@code VIRTCHAIN_TEST_DIR} (default: the JVM's temp dir); each test
 * directory is made mode 0755 because QEMU runs as another user.
 */
package dev.virtchain.testing;
