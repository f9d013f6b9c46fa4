package dev.virtchain.libvirt;

/** A domain libvirt knows: its name, UUID, whether it runs and whether it has a persistent definition. */
public record DomainSummary(String name, String uuid, boolean running, boolean persistent) {}
