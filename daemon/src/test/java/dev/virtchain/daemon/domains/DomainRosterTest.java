package dev.virtchain.daemon.domains;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtchain.daemon.config.DomainPattern;
import dev.virtchain.daemon.config.DomainSelection;
import dev.virtchain.libvirt.DomainSummary;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The roster keeps each domain's verdict between refreshes, and asks for metadata only when the selection needs it. */
class DomainRosterTest {
    private static List<DomainSummary> domains(String... names) {
        List<DomainSummary> out = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            out.add(new DomainSummary(names[i], "6f1c5a6e-0000-4000-8000-00000000000" + i, false, true));
        }
        return out;
    }

    @Test
    void aDomainNotJudgedYetIsNotManaged() {
        DomainRoster r = DomainRoster.all();
        assertFalse(r.isManaged("web1"));
        r.refresh(domains("web1"));
        assertTrue(r.isManaged("web1"));
    }

    @Test
    void matchAndExcludeDecideWithoutReadingMetadata() {
        List<String> asked = new ArrayList<>();
        DomainRoster r = new DomainRoster(new DomainSelection(DomainSelection.Mode.MATCH,
                List.of(new DomainPattern("web*")), List.of(new DomainPattern("web-old"))), List.of(), d -> {
                    asked.add(d);
                    return true;
                });
        r.refresh(domains("web1", "web-old", "mail"));
        assertEquals(Set.of("web1"), r.managed());
        assertEquals("excluded by manage-exclude 'web-old'", r.verdict("web-old").orElseThrow().why());
        assertEquals(List.of(), asked, "metadata is read only when manage = policy");
        assertEquals(List.of("mail", "web-old", "web1"), List.copyOf(r.verdicts().keySet()));
    }

    @Test
    void policyModeReadsEachDomainsOwnPolicyAndForgetsDomainsThatWent() {
        DomainRoster r = new DomainRoster(new DomainSelection(DomainSelection.Mode.POLICY, List.of(), List.of()),
                List.of(), d -> d.equals("db1"));
        r.refresh(domains("db1", "mail"));
        assertEquals(Set.of("db1"), r.managed());
        r.refresh(domains("mail"));
        assertFalse(r.verdict("db1").isPresent(), "an undefined domain is forgotten");
        assertTrue(r.refresh("db1").managed(), "judged again on its own when it comes back");
    }
}
