package dev.virtchain.libvirt;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thaws a guest that a late guest agent froze. Once the agent has been in sync, libvirt sends
 * {@code guest-fsfreeze-freeze} without syncing first; when the agent does not answer in time,
 * libvirt gives up, but the command waits in the agent's channel, and an agent that wakes up
 * later (it was stopped, or starved) freezes the guest's file systems with nobody left to thaw
 * them: the guest's writes hang (measured with qemu-guest-agent 7.2 and libvirt 9.0). After such a
 * time-out this asks libvirt to thaw every {@link #INTERVAL} until the agent answers (a thaw with
 * nothing frozen changes nothing) or {@link #GIVE_UP} has passed.
 */
final class LateFreezeThaw {
    private static final Logger LOG = LoggerFactory.getLogger(LateFreezeThaw.class);
    static final Duration INTERVAL = Duration.ofSeconds(10);
    static final Duration GIVE_UP = Duration.ofMinutes(30);

    private final LibvirtSession session;
    private final ScheduledExecutorService pool;
    /** One watch per domain at a time. */
    private final ConcurrentHashMap<String, Boolean> watching = new ConcurrentHashMap<>();

    LateFreezeThaw(LibvirtSession session, ScheduledExecutorService pool) {
        this.session = session;
        this.pool = pool;
    }

    /** Starts thawing {@code domain} once its agent answers again. */
    void watch(String domain) {
        if (watching.putIfAbsent(domain, Boolean.TRUE) != null) {
            return;
        }
        LOG.warn("{}: the guest agent did not answer a freeze; it may still carry it out when it wakes up, so"
                + " virtchain thaws the guest's file systems once it answers (for up to {} min)", domain,
                GIVE_UP.toMinutes());
        long deadline = System.nanoTime() + GIVE_UP.toNanos();
        pool.schedule(() -> attempt(domain, deadline), INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void attempt(String domain, long deadline) {
        try {
            int thawed = session.onDomain(domain, "thaw the guest's file systems", Involved.domain(domain),
                    dom -> dom.isActive() == 1 ? NativeLibvirt.fsThaw(dom) : 0);
            watching.remove(domain);
            if (thawed > 0) {
                LOG.warn("{}: thawed {} file system(s) that the guest agent froze after it had timed out", domain,
                        thawed);
            } else {
                LOG.info("{}: the guest agent answers again; nothing was left frozen", domain);
            }
        } catch (DomainNotFoundException e) {
            watching.remove(domain);
        } catch (RuntimeException e) {
            if (System.nanoTime() > deadline) {
                watching.remove(domain);
                LOG.warn("{}: the guest agent still does not answer after {} min; if it wakes up later, check the"
                        + " guest with 'virsh domfsinfo' and thaw it with 'virsh domfsthaw {}'", domain,
                        GIVE_UP.toMinutes(), domain);
                return;
            }
            pool.schedule(() -> attempt(domain, deadline), INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        }
    }
}
