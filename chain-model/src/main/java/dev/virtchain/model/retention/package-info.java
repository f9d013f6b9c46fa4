/**
 * Retention: which of a policy's snapshots to keep, and why.
 *
 * <p>{@link dev.virtchain.model.retention.Retention#evaluate Retention.evaluate} takes the
 * policy's own snapshots ({@link dev.virtchain.model.retention.RetentionCandidate}), a
 * {@link dev.virtchain.model.retention.RetentionPolicy} and a zone, and returns a
 * {@link dev.virtchain.model.retention.RetentionDecision}: keep or delete for every snapshot,
 * with reasons. Its {@code toDelete()} is what the planner turns into one plan; this package
 * knows nothing of plans, chains or the ledger, does no I/O and reads no clock.
 *
 * <h2>Keep rules: Proxmox Backup Server's prune, exactly</h2>
 * The semantics are those of Proxmox Backup Server's prune (documentation: "Maintenance Tasks",
 * section "Pruning", and its prune simulator; code: {@code compute_prune_info} and
 * {@code mark_selections} in {@code pbs-datastore/src/prune.rs}). Operators who know that
 * tool get what they expect, and its simulator can be used to check a policy.
 * <ul>
 * <li>Rules run in the order keep-last, hourly, daily, weekly, monthly, yearly.</li>
 * <li>Each rule walks the snapshots newest to oldest. A snapshot in a period the rule has not
 *     yet used is kept for that period, until the rule has used N periods; an older snapshot in
 *     a used period is passed over. The rule stops at the first snapshot of period N+1.</li>
 * <li>Periods without snapshots do not exist: keep-daily 7 keeps the newest snapshot of each of
 *     the 7 newest days <em>that have snapshots</em>, however far apart they are.</li>
 * <li><b>Periods already covered are skipped and not counted.</b> Before a rule walks, every
 *     period that holds a snapshot kept by an earlier rule is marked covered; the rule skips
 *     those periods and they do not count against its N. So keep-last 3 + keep-daily 2 over
 *     one snapshot a day keeps 5 snapshots, not 3: the daily rule adds two <em>older</em> days.
 *     The documentation says it as "The next option does not take care of already covered
 *     backups. It will only consider older backups." One snapshot may still satisfy several
 *     rules: its verdict lists every rule period it stands for, the one that selected it
 *     ({@code counted}) and the later ones it covers ({@code counted == false}, shown as
 *     "(already kept)").</li>
 * <li><b>Passed-over snapshots stay passed over.</b> A snapshot that a rule passed over (its
 *     period already had a newer snapshot) is not reconsidered by later rules, as in Proxmox.
 *     This only shows where periods do not nest, i.e. ISO weeks across a month end: with
 *     keep-weekly 1 + keep-monthly 2 and snapshots on Tue 2026-01-20, Sat 01-31 and Sun 02-01
 *     (01-31 and 02-01 share week 2026-W05), the weekly rule keeps 02-01 and passes over 01-31,
 *     so the monthly rule keeps 01-20 for January, not 01-31.</li>
 * <li>If every keep rule is 0, everything is kept (reason {@code keep-all}), as Proxmox does
 *     when no keep option is set: deleting every snapshot is never what such a policy means.</li>
 * </ul>
 *
 * <h2>Periods, time zones and DST</h2>
 * Periods are local wall-clock fields in the given zone, as Proxmox builds them from
 * {@code strftime_local} strings: hour = local date and hour ({@code 2026-11-21T05}), day =
 * local date, week = ISO week with Monday start and the week-based year ({@code 2026-W53}
 * holds 2026-12-28 to 2027-01-03), month, year. Consequences at DST changes:
 * <ul>
 * <li>Fall back (Europe/Berlin 2026-10-25): the 02:00–03:00 hour happens twice, once at +02:00
 *     and once at +01:00. Both are the one hourly period {@code 2026-10-25T02}, so keep-hourly
 *     keeps one snapshot for them, not two. This follows "hour" as the clock on the wall shows
 *     it, which is also how schedules are written.</li>
 * <li>Spring forward (2026-03-29): 02:00–03:00 does not exist; there is simply no such period,
 *     and nothing is reserved for it.</li>
 * <li>Days are local dates, 23 or 25 hours long on those days.</li>
 * </ul>
 * In every zone whose clock changes never step back across an hour, day or month boundary
 * (Europe/Berlin, America/New_York, Australia/Lord_Howe's half hour…), periods never go
 * backwards in time, and evaluation is idempotent: after deleting {@code toDelete()},
 * evaluating the rest deletes nothing more (a property the tests check over random inputs,
 * depth limit included). A zone that once set its clock back from 00:00 to 23:00 revisits the
 * previous day; the decision is still well defined, as in Proxmox, but a second evaluation
 * may then delete more.
 *
 * <h2>Ties</h2>
 * Snapshots taken at the same instant are ordered by name (the later name counts as newer), so
 * the decision does not depend on the order of the input. keep-last counts snapshots, not
 * instants: two snapshots at the same instant are two of its N (Proxmox names backups by their
 * time, so there the question does not arise).
 *
 * <h2>Holds</h2>
 * A held snapshot (an operator hold, or a protected one such as the base of a clone) is always
 * kept, with reason {@code held}, and is otherwise invisible to the keep rules, as Proxmox
 * treats protected backups: it does not use up a rule's count and does not cover a period. So
 * a policy's keep rules keep exactly what they would keep without the held snapshots, plus
 * those; placing or releasing a hold never changes which unheld snapshots a rule keeps (only
 * the depth limit below counts held snapshots).
 *
 * <h2>Depth limit</h2>
 * {@code maxDepth} caps how many of the policy's snapshots stay, held ones included (the caller
 * passes only this policy's snapshots, so others in the chain are not counted here). After the
 * keep rules, while more than {@code maxDepth} are kept, the oldest kept unheld snapshot is
 * deleted with reason {@code max-depth N} ("consolidation"), keeping its rule reasons for the
 * record. If the held snapshots alone exceed the limit, every unheld one goes and the decision
 * carries a {@link dev.virtchain.model.retention.RetentionWarning.HeldExceedMaxDepth} warning:
 * holds win over the limit, and that is not an error.
 */
package dev.virtchain.model.retention;
