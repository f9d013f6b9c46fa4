package dev.virtchain.daemon.commands;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.virtchain.daemon.control.Json;
import java.util.Map;

/**
 * What {@code status} reads from libvirt and the managed domains: whether libvirt is connected,
 * which disks drifted, which metadata policies cannot be read, and the jobs under way. The
 * daemon hands it over once its services exist ({@code Virtchaind.statusSources}); before that
 * (and in tests without libvirt) {@link #NONE} answers.
 */
public interface StatusSources {

    /** Nothing known yet: libvirt not connected, no drift, no jobs. */
    StatusSources NONE = new StatusSources() {
        @Override
        public boolean libvirtConnected() {
            return false;
        }

        @Override
        public ArrayNode drift() {
            return Json.array();
        }

        @Override
        public Map<String, String> policyProblems() {
            return Map.of();
        }

        @Override
        public ArrayNode jobs() {
            return Json.array();
        }
    };

    /**
     * Domains whose newest snapshot fell back to crash-consistent although a quiesce was asked
     * for: domain, snapshot, created, reason. From the ledgers in memory; nothing is asked of
     * libvirt.
     */
    default ArrayNode quiesceFallbacks() {
        return Json.array();
    }

    /**
     * The start-up check of the domains (each chain against its ledger, new domains adopted):
     * how many domains it had, and how many are not checked yet (0 once it has ended; 0 of 0
     * before the daemon's services exist).
     */
    default StartCheck startCheck() {
        return new StartCheck(0, 0);
    }

    /** {@link #startCheck()}'s answer. */
    record StartCheck(int unchecked, int total) {}

    boolean libvirtConnected();

    /** Drift entries: domain, disk, expected, actual, message. */
    ArrayNode drift();

    /** Domain to why its metadata policy is ignored. */
    Map<String, String> policyProblems();

    /** Jobs, in the Job shape. */
    ArrayNode jobs();
}
