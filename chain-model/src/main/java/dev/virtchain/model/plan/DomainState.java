package dev.virtchain.model.plan;

/** Whether QEMU has the domain's chains open. */
public enum DomainState { RUNNING, SHUT_OFF }
