package dev.virtchain.daemon.config;

import java.util.Locale;

/** Whether a policy's snapshots freeze guest file systems through the QEMU guest agent. */
public enum Quiesce {
    /** Always quiesce; the snapshot fails when the guest agent does not answer. */
    YES,
    /** Never quiesce: crash-consistent snapshots. */
    NO,
    /** Quiesce when the agent answers, otherwise take a crash-consistent snapshot and record that. */
    AUTO;

    /** The word an operator writes in the configuration file. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Quiesce fromWord(String word) {
        for (Quiesce q : values()) {
            if (q.word().equals(word)) {
                return q;
            }
        }
        throw new ConfigInvalid("quiesce", "expected yes, no or auto, got '" + word + "'");
    }
}
