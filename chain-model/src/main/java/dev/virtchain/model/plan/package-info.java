/**
 * The planner: turns an {@link dev.virtchain.model.plan.Intent} (create, delete, revert, clone,
 * flatten, export) and a {@link dev.virtchain.model.plan.Situation} (ledger, the chains libvirt
 * shows, allocation facts, domain state) into a {@link dev.virtchain.model.plan.Plan}: an
 * ordered list of typed {@link dev.virtchain.model.plan.Step}s, the ledger after, the bytes it
 * will copy in total and per directory, and the files it will unlink.
 *
 * <p>The planner prepares and changes nothing; the daemon's executor applies the steps and its
 * journal records them. Each step declares what the chains look like once it has happened
 * ({@link dev.virtchain.model.plan.Expectation}), so recovery can tell from the live truth
 * whether it ran.
 *
 * <p>Deleting snapshots is a cost-based choice between committing and pulling, described in
 * {@code DeletePlanner}; the property tests compare it with a brute-force search.
 */
package dev.virtchain.model.plan;
