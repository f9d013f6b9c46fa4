/**
 * Snapshot policy schedules. {@link dev.virtchain.daemon.schedule.Assignments} decides which
 * policy applies to which domain; {@link dev.virtchain.daemon.schedule.PolicySchedule} keeps one
 * Quartz cron trigger per {@link dev.virtchain.daemon.schedule.Assignment} and calls a
 * {@link dev.virtchain.daemon.schedule.PolicyRun} when it fires. Quartz keeps schedules in
 * memory only, so the last run of each assignment is recorded in the state directory
 * ({@link dev.virtchain.daemon.schedule.RunRecords}): after downtime a missed run fires once.
 */
package dev.virtchain.daemon.schedule;
