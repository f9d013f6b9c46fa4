package dev.virtchain.bench.live;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code virsh -c URI …}, the baseline tool, on the libvirtd under test: {@code qemu:///system},
 * or the Debian 13 test root's when {@code bench/run} runs benchmark 8 there.
 */
public final class Virsh {
    public static final String URI = dev.virtchain.testing.LibvirtdUnderTest.uri();

    private Virsh() {
    }

    public static Command run(List<String> args) {
        return Command.run(argv(args));
    }

    public static Command run(String... args) {
        return run(List.of(args));
    }

    public static List<String> argv(List<String> args) {
        List<String> argv = new ArrayList<>(List.of("virsh", "-c", URI));
        argv.addAll(args);
        return argv;
    }
}
