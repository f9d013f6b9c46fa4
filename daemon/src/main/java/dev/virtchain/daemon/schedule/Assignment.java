package dev.virtchain.daemon.schedule;

import dev.virtchain.daemon.config.Policy;
import java.util.Objects;

/** A policy applied to one domain: one cron trigger, one run record. */
public record Assignment(Policy policy, String domain) {

    public Assignment {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(domain, "domain");
        if (domain.isEmpty()) {
            throw new IllegalArgumentException("domain name is empty");
        }
    }

    @Override
    public String toString() {
        return "policy " + policy.name() + " on " + domain;
    }
}
