/**
 * The daemon's configuration: one immutable {@link dev.virtchain.daemon.config.DaemonConfig},
 * read once in {@code main} from the operator's file ({@link dev.virtchain.daemon.config.ConfigFile})
 * and the command line ({@link dev.virtchain.daemon.config.CommandLine}), then handed to each
 * component through its constructor. Nothing else in the daemon reads files, the environment
 * or system properties for settings.
 */
package dev.virtchain.daemon.config;
