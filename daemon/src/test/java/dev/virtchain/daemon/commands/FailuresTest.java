package dev.virtchain.daemon.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.virtchain.daemon.control.CommandFailure;
import dev.virtchain.daemon.control.ErrorCode;
import dev.virtchain.daemon.ledger.LedgerFileException;
import dev.virtchain.libvirt.xml.DomainDescription;
import dev.virtchain.libvirt.xml.DomainXmlException;
import dev.virtchain.libvirt.xml.DomainXmlReader;
import org.junit.jupiter.api.Test;

/** The domain XML's and the ledger file's errors reach the client with the disk or file they name. */
class FailuresTest {
    private static final DomainDescription WEB = DomainXmlReader.read("<domain type='kvm'><name>web</name><devices>"
            + "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/i/web.qcow2'/>"
            + "<target dev='vda'/></disk>"
            + "<disk type='network' device='disk'><driver name='qemu' type='raw'/><source protocol='nbd' name='x'>"
            + "<host name='h'/></source><target dev='vdb'/></disk></devices></domain>");

    @Test
    void anUnknownDiskIsUnknownAndANetworkDiskRefusedEachNamingTheDisk() {
        CommandFailure missing = Failures.of(assertThrows(DomainXmlException.class, () -> WEB.requireDisk("vdz")), "x");
        assertEquals(ErrorCode.UNKNOWN_DISK, missing.code());
        assertEquals("web", missing.domain());
        assertEquals("vdz", missing.disk());

        CommandFailure network = Failures.of(assertThrows(DomainXmlException.class, () -> WEB.requireDisk("vdb")), "x");
        assertEquals(ErrorCode.REFUSED, network.code());
        assertEquals("vdb", network.disk());

        CommandFailure unreadable = Failures.of(DomainXmlException.unreadable("web", "no <devices>"), "x");
        assertEquals(ErrorCode.FAILED, unreadable.code());
        assertEquals("web", unreadable.domain());
    }

    @Test
    void aLedgerFileProblemNamesTheFile() {
        CommandFailure f = Failures.of(new LedgerFileException("/var/lib/virtchain/ledgers/u.xml", "cannot write"), "web");
        assertEquals(ErrorCode.FAILED, f.code());
        assertEquals("web", f.domain());
        assertEquals("/var/lib/virtchain/ledgers/u.xml", f.file());
    }
}
