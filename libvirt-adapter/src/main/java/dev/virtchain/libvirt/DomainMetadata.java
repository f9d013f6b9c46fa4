package dev.virtchain.libvirt;

import dev.virtchain.libvirt.xml.PolicyMetadata;
import dev.virtchain.libvirt.xml.PolicyMetadataXml;
import java.util.Optional;
import org.libvirt.Domain;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;

/**
 * virtchain's policy element in a domain's {@code <metadata>}, under its namespace. libvirt keeps
 * it with the definition, so it travels with the domain (migration, virsh dumpxml/define).
 */
final class DomainMetadata {
    private final LibvirtSession session;

    DomainMetadata(LibvirtSession session) {
        this.session = session;
    }

    /**
     * The policy, empty when the domain has none. Read from the live definition when running
     * (libvirt's "current"), else from the persistent one.
     */
    Optional<PolicyMetadata> read(String domain) {
        Optional<String> element = session.onDomain(domain, "read virtchain's metadata", Involved.domain(domain), dom -> {
            try {
                return Optional.of(dom.getMetadata(Domain.MetadataType.ELEMENT, PolicyMetadata.NAMESPACE, 0));
            } catch (LibvirtException e) {
                if (HypervisorException.hasCode(e, ErrorNumber.VIR_ERR_NO_DOMAIN_METADATA)) {
                    return Optional.empty();
                }
                throw e;
            }
        });
        return element.map(PolicyMetadataXml::read);
    }

    /**
     * Replaces the element ({@code null} removes it) in the live definition and the persistent one
     * where each exists: a running persistent domain needs both, or a restart would bring back the
     * old element (or the live one would lag until then).
     */
    void write(String domain, PolicyMetadata policy) {
        String element = policy == null ? null : PolicyMetadataXml.forSetMetadata(policy);
        session.onDomain(domain, policy == null ? "remove virtchain's metadata" : "write virtchain's metadata",
                Involved.domain(domain), dom -> {
                    int flags = (dom.isActive() == 1 ? Domain.ModificationImpact.LIVE : 0)
                            | (dom.isPersistent() == 1 ? Domain.ModificationImpact.CONFIG : 0);
                    dom.setMetadata(Domain.MetadataType.ELEMENT, element, element == null ? null : PolicyMetadata.PREFIX,
                            PolicyMetadata.NAMESPACE, flags);
                    return null;
                });
    }
}
