package dev.virtchain.libvirt.xml;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.dataformat.xml.annotation.JacksonXmlRootElement;
import java.util.Locale;

/**
 * A domain's snapshot policy, kept by libvirt in the domain's {@code <metadata>} so it travels
 * with the definition (migration, backup of {@code /etc/libvirt}), and the daemon can rebuild its
 * schedules from the domains alone:
 *
 * <pre>{@code
 * <virtchain:policy xmlns:virtchain="https://virtchain.dev/xmlns/1">
 *   <virtchain:schedule>0 0 * * * ?</virtchain:schedule>
 *   <virtchain:keep-hourly>24</virtchain:keep-hourly>
 *   <virtchain:keep-daily>7</virtchain:keep-daily>
 *   <virtchain:max-depth>8</virtchain:max-depth>
 *   <virtchain:quiesce>auto</virtchain:quiesce>
 * </virtchain:policy>
 * }</pre>
 *
 * Counts left out are 0 (rule off). {@link PolicyMetadataXml} reads and writes it.
 *
 * @param schedule    when to take snapshots, a Quartz cron expression; {@code null} for none
 * @param keepLast    keep the newest N snapshots
 * @param keepHourly  keep the newest snapshot of each of N hours
 * @param keepDaily   … of each of N days
 * @param keepWeekly  … of each of N ISO weeks
 * @param keepMonthly … of each of N months
 * @param keepYearly  … of each of N years
 * @param maxDepth    the most snapshots that may stay in a chain; 0 = no limit
 * @param quiesce     whether snapshots freeze guest file systems first
 */
@JacksonXmlRootElement(localName = "policy")
@JsonPropertyOrder({"schedule", "keep-last", "keep-hourly", "keep-daily", "keep-weekly", "keep-monthly",
        "keep-yearly", "max-depth", "quiesce"})
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
public record PolicyMetadata(
        @JsonProperty("schedule") String schedule,
        @JsonProperty("keep-last") int keepLast,
        @JsonProperty("keep-hourly") int keepHourly,
        @JsonProperty("keep-daily") int keepDaily,
        @JsonProperty("keep-weekly") int keepWeekly,
        @JsonProperty("keep-monthly") int keepMonthly,
        @JsonProperty("keep-yearly") int keepYearly,
        @JsonProperty("max-depth") int maxDepth,
        @JsonProperty("quiesce") Quiesce quiesce) {

    /** The XML namespace of virtchain's metadata element. */
    public static final String NAMESPACE = "https://virtchain.dev/xmlns/1";
    /** The namespace prefix libvirt writes it with ({@code virDomainSetMetadata}'s key). */
    public static final String PREFIX = "virtchain";

    /** Whether a snapshot freezes the guest's file systems through the guest agent first. */
    public enum Quiesce {
        /** Quiesce when the guest agent answers, else take a crash-consistent snapshot and record that. */
        AUTO,
        /** Fail the snapshot when the guest cannot be quiesced. */
        REQUIRED,
        /** Never quiesce: crash-consistent snapshots only. */
        OFF;

        @JsonValue
        String xml() {
            return name().toLowerCase(Locale.ROOT);
        }

        @JsonCreator
        static Quiesce of(String xml) {
            for (Quiesce q : values()) {
                if (q.xml().equals(xml.strip())) {
                    return q;
                }
            }
            throw new IllegalArgumentException("quiesce is one of auto, required, off; not '" + xml + "'");
        }
    }

    public PolicyMetadata {
        if (schedule != null && schedule.isBlank()) {
            schedule = null;
        }
        if (schedule != null) {
            schedule = schedule.strip();
        }
        if (quiesce == null) {
            quiesce = Quiesce.AUTO;
        }
        notNegative("keep-last", keepLast);
        notNegative("keep-hourly", keepHourly);
        notNegative("keep-daily", keepDaily);
        notNegative("keep-weekly", keepWeekly);
        notNegative("keep-monthly", keepMonthly);
        notNegative("keep-yearly", keepYearly);
        notNegative("max-depth", maxDepth);
    }

    private static void notNegative(String field, int value) {
        if (value < 0) {
            throw new IllegalArgumentException("policy " + field + " must be 0 (off) or more, not " + value);
        }
    }
}
