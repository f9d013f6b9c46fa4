package dev.virtchain.daemon.domains;

import dev.virtchain.daemon.files.HostFiles;

import dev.virtchain.daemon.exec.OperationRunner;
import dev.virtchain.daemon.ledger.LedgerBook;
import dev.virtchain.libvirt.LibvirtHost;
import dev.virtchain.libvirt.image.QemuImg;
import java.time.Clock;

/**
 * What the control commands work with, made once in {@code main}: the libvirt host, qemu-img,
 * the ledgers, the runner, the managed domains, the policies and the policy run.
 */
public record Services(LibvirtHost host, QemuImg qemuImg, HostFiles files, LedgerBook book, OperationRunner runner,
                       ManagedDomains domains, PolicyBook policies, SnapshotPolicy policyRun, Clock clock) {}
