package dev.virtchain.daemon;

import dev.virtchain.daemon.config.CommandLine;
import dev.virtchain.daemon.config.UsageException;
import dev.virtchain.libvirt.DaemonThreads;
import dev.virtchain.libvirt.LibvirtHost;

/**
 * {@code bin/virtchaind}'s entry point. A daemon's start waits first of all for libvirtd to
 * answer its connection; before the request can even be sent, libvirt's library must be loaded
 * and its event loop started. That set-up starts here, on a thread of its own, while
 * {@link Virtchaind} sets up logging, reads the configuration and takes the state lock on this
 * one. This class touches no logger, so nothing comes before it.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        if (startsTheDaemon(args)) {
            DaemonThreads.daemon(Main::prepareLibvirt, "libvirt-prepare").start();
        }
        System.exit(Virtchaind.launch(args, System.out, System.err, System.getenv()));
    }

    private static boolean startsTheDaemon(String[] args) {
        try {
            return CommandLine.parse(args).action() == CommandLine.Action.RUN;
        } catch (UsageException e) {
            return false; // Virtchaind reports it
        }
    }

    private static void prepareLibvirt() {
        try {
            LibvirtHost.prepare();
        } catch (RuntimeException e) {
            // The connection runs the same set-up again and reports its failure with the URI.
        }
    }
}
