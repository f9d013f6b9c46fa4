package dev.virtchain.libvirt;

import dev.virtchain.testing.TestLibvirt;
import java.time.Duration;

/** Opens the adapter on the test libvirtd. */
final class TestHosts {
    private TestHosts() {}

    static LibvirtHost open() {
        return open(HostOptions.forUri(TestLibvirt.uri()).withJobPollInterval(Duration.ofMillis(200)));
    }

    static LibvirtHost open(HostOptions options) {
        warmHarness();
        return LibvirtHost.open(options);
    }

    /**
     * The harness sweeps leftovers on its first connection by listing running domains and then
     * looking each up by id; a domain of a concurrent test run stopping in between fails that
     * sweep (libvirt-java's listDomains then even pads the array with id 0). The sweep is retried
     * on the next call, so a few attempts ride out the race.
     */
    static void warmHarness() {
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 10; attempt++) {
            if (attempt > 0) {
                sleep(200);
            }
            try {
                TestLibvirt.connection();
                return;
            } catch (IllegalStateException e) {
                if (e.getMessage() != null && e.getMessage().startsWith("libvirtd is not reachable")) {
                    throw e; // never a skip, never hidden
                }
                last = e;
            }
        }
        throw last;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
