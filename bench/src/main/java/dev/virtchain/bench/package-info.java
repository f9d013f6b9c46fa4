/**
 * virtchain's benchmarks, each beside its baseline from libvirt's own tools: {@link
 * dev.virtchain.bench.Bench} runs the ones asked for and writes their figures as JSON, {@link
 * dev.virtchain.bench.Report} merges them into results.json and writes RESULTS.md. Run by
 * {@code bench/run}; never part of the build's tests.
 */
package dev.virtchain.bench;
