package dev.virtchain.daemon.schedule;

import dev.virtchain.daemon.config.Policy;

/**
 * What a policy does when its schedule fires for a domain: take a snapshot, then prune what
 * its retention no longer keeps. Called on a Quartz worker thread, never twice at once for the
 * same assignment. Throwing records a failure for this assignment only; the others keep running.
 */
@FunctionalInterface
public interface PolicyRun {

    void run(String domainName, Policy policy) throws Exception;
}
