package dev.virtchain.daemon.commands;

import dev.virtchain.daemon.schedule.AssignmentStatus;
import java.util.List;

/**
 * The daemon's policy schedule as the commands see it: {@code policy-set} and
 * {@code policy-remove} change a domain's metadata policy and then have the assignments rebuilt,
 * and {@code policy-show}, {@code domains} and {@code status} read each assignment's runs.
 */
public interface PolicySchedules {

    /** No schedule (tests that run commands without a daemon). */
    PolicySchedules NONE = new PolicySchedules() {
        @Override
        public void reassign() {
        }

        @Override
        public List<AssignmentStatus> status() {
            return List.of();
        }
    };

    /** Re-matches every policy against the domains libvirt has now and rebuilds the triggers. */
    void reassign() throws Exception;

    /** One entry per (policy, domain) assignment, with its last and next runs. */
    List<AssignmentStatus> status();
}
