/**
 * Benchmark 1: bytes copied by retention pruning, on the chain model's simulator. Each strategy
 * (virtchain's planner, libvirt's and Cinder/Nova's fixed rules) lives through the same 30 days of
 * writes and hourly snapshots; {@link dev.virtchain.bench.prune.LowerBound} bounds every prune of
 * the planner's run.
 */
package dev.virtchain.bench.prune;
