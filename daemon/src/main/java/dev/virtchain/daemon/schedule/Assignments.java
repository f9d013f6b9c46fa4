package dev.virtchain.daemon.schedule;

import dev.virtchain.daemon.config.Policy;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Which policies apply to which domains. Today that is the configuration's name patterns; a
 * domain may match several policies (an hourly and a daily one) and then has one assignment for
 * each. Policies named in a domain's libvirt metadata will be added to the same list by the code
 * that reads that metadata.
 */
public final class Assignments {

    private Assignments() {
    }

    /** Every (policy, domain) pair where the policy's pattern matches the domain's name, in policy then name order. */
    public static List<Assignment> byPattern(List<Policy> policies, Collection<String> domainNames) {
        List<String> names = domainNames.stream().sorted().distinct().toList();
        List<Assignment> out = new ArrayList<>();
        for (Policy p : policies) {
            for (String name : names) {
                if (p.covers(name)) {
                    out.add(new Assignment(p, name));
                }
            }
        }
        return List.copyOf(out);
    }
}
