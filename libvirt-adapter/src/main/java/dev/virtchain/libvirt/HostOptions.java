package dev.virtchain.libvirt;

import java.time.Duration;
import java.util.Objects;

/**
 * How the adapter talks to libvirtd. Immutable; the daemon builds it from its configuration.
 *
 * @param uri                   libvirt connection URI, {@code qemu:///system} by default
 * @param keepAliveInterval     seconds between keepalive probes on an idle connection
 * @param keepAliveCount        unanswered probes after which the connection counts as dead
 * @param reconnectFirstDelay   wait before the first reconnect attempt after the connection dropped
 * @param reconnectMaxDelay     the backoff between attempts doubles up to this
 * @param jobPollInterval       how often a block-job watcher asks libvirt for the job's state
 *                              (events alone are not enough: they are lost across reconnects)
 * @param retryAttempts         how many times a refused pivot, or a job start refused because another
 *                              process holds an image lock for a moment, is tried before giving up
 * @param retryFirstBackoff     wait after the first refusal; doubles with each refusal
 */
public record HostOptions(
        String uri,
        int keepAliveInterval,
        int keepAliveCount,
        Duration reconnectFirstDelay,
        Duration reconnectMaxDelay,
        Duration jobPollInterval,
        int retryAttempts,
        Duration retryFirstBackoff) {

    public HostOptions {
        Objects.requireNonNull(uri, "uri");
        if (keepAliveInterval < 1 || keepAliveCount < 1) {
            throw new IllegalArgumentException("keepalive interval and count must be at least 1, were "
                    + keepAliveInterval + " and " + keepAliveCount);
        }
        if (reconnectFirstDelay.isNegative() || reconnectMaxDelay.compareTo(reconnectFirstDelay) < 0) {
            throw new IllegalArgumentException("reconnect delays must satisfy 0 <= first <= max, were "
                    + reconnectFirstDelay + " and " + reconnectMaxDelay);
        }
        if (jobPollInterval.isZero() || jobPollInterval.isNegative()) {
            throw new IllegalArgumentException("job poll interval must be positive, was " + jobPollInterval);
        }
        if (retryAttempts < 1) {
            throw new IllegalArgumentException("retry attempts must be at least 1, was " + retryAttempts);
        }
    }

    public static HostOptions defaults() {
        return forUri("qemu:///system");
    }

    public static HostOptions forUri(String uri) {
        return new HostOptions(uri, 5, 3, Duration.ofMillis(250), Duration.ofSeconds(30),
                Duration.ofMillis(500), 6, Duration.ofMillis(250));
    }

    public HostOptions withJobPollInterval(Duration interval) {
        return new HostOptions(uri, keepAliveInterval, keepAliveCount, reconnectFirstDelay, reconnectMaxDelay,
                interval, retryAttempts, retryFirstBackoff);
    }

    public HostOptions withRetries(int attempts, Duration firstBackoff) {
        return new HostOptions(uri, keepAliveInterval, keepAliveCount, reconnectFirstDelay, reconnectMaxDelay,
                jobPollInterval, attempts, firstBackoff);
    }
}
