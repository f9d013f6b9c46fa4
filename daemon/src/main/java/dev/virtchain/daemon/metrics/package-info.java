/**
 * The Prometheus endpoint: what the daemon knows (ledgers, policy run records, the runner's
 * jobs and counts, recovery's summary, sampled image sizes and free space) turned into metric
 * families at scrape time, and the HTTP server that serves them on the configured address.
 * Nothing here runs qemu-img or asks libvirt per domain, so a scrape stays cheap however many
 * domains the host has; the Prometheus client library writes the exposition format.
 */
package dev.virtchain.daemon.metrics;
