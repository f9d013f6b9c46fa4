/**
 * Benchmarks 2 to 7, against a real libvirtd: throwaway TCG domains from the test harness, a
 * virtchaind started from the build output with its own socket and state, generated test-driver
 * hosts, and the baseline tools (virsh, hyperfine) run as processes and timed from fork to exit.
 */
package dev.virtchain.bench.live;
