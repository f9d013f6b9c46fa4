package dev.virtchain.model;

import java.util.Objects;

/** A libvirt domain: its name and UUID. */
public record DomainId(String name, String uuid) {
    public DomainId {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(uuid, "uuid");
    }
}
