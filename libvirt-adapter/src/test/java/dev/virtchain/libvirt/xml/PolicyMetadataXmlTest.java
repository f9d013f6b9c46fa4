package dev.virtchain.libvirt.xml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtchain.libvirt.Golden;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PolicyMetadataXmlTest {
    private static final PolicyMetadata RECORDED =
            new PolicyMetadata("0 0 * * * ?", 0, 24, 7, 0, 0, 0, 8, PolicyMetadata.Quiesce.AUTO);

    @Test
    void readsThePolicyLibvirtStoredAndIgnoresOtherApplicationsMetadata() {
        assertEquals(Optional.of(RECORDED), PolicyMetadataXml.fromDomainXml(Golden.read("twodisk-shutoff.xml")));
        assertEquals(Optional.empty(), PolicyMetadataXml.fromDomainXml(Golden.read("chain3-running.xml")));
    }

    @Test
    void aPolicyElementInAnotherNamespaceIsNotOurs() {
        String xml = "<domain><name>d</name><metadata><p:policy xmlns:p='urn:other'><p:keep-last>3</p:keep-last>"
                + "</p:policy></metadata></domain>";
        assertEquals(Optional.empty(), PolicyMetadataXml.fromDomainXml(xml));
    }

    @Test
    void setMetadataFormHasNoNamespaceAndLeavesOutRulesThatAreOff() {
        assertEquals("<policy><schedule>0 0 * * * ?</schedule><keep-hourly>24</keep-hourly><keep-daily>7</keep-daily>"
                + "<max-depth>8</max-depth><quiesce>auto</quiesce></policy>", PolicyMetadataXml.forSetMetadata(RECORDED));
    }

    @Test
    void namespacedFormRoundTrips() {
        String ns = PolicyMetadataXml.namespaced(RECORDED);
        assertTrue(ns.startsWith("<virtchain:policy xmlns:virtchain=\"https://virtchain.dev/xmlns/1\">"), ns);
        assertTrue(ns.contains("<virtchain:keep-daily>7</virtchain:keep-daily>"), ns);
        assertEquals(RECORDED, PolicyMetadataXml.read(ns));
        assertEquals(RECORDED, PolicyMetadataXml.read(PolicyMetadataXml.forSetMetadata(RECORDED)));
    }

    @Test
    void defaultsAndValidation() {
        PolicyMetadata p = PolicyMetadataXml.read("<policy><keep-last>3</keep-last><future-field>x</future-field></policy>");
        assertEquals(new PolicyMetadata(null, 3, 0, 0, 0, 0, 0, 0, PolicyMetadata.Quiesce.AUTO), p);
        assertThrows(DomainXmlException.Unreadable.class,
                () -> PolicyMetadataXml.read("<policy><keep-last>-1</keep-last></policy>"));
        assertThrows(DomainXmlException.Unreadable.class,
                () -> PolicyMetadataXml.read("<policy><quiesce>sometimes</quiesce></policy>"));
    }
}
