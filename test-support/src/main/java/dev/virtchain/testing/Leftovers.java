package dev.virtchain.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;

/**
 * Removes what killed test runs left behind: {@code vctest-<pid>-<suffix>} domains and
 * directories whose creating process is gone. The pid in the name keeps concurrent test runs on
 * one host from removing each other's domains.
 */
final class Leftovers {
    static final String PREFIX = "vctest-";
    private static final Pattern NAME = Pattern.compile("vctest-(\\d+)-[a-z0-9]+");

    private Leftovers() {}

    static void sweep(Connect conn) {
        try {
            // One call that lists running and defined domains: looking each id up separately races
            // with other test runs removing their domains meanwhile.
            List<String> names = new ArrayList<>();
            for (Domain d : conn.listAllDomains(0)) {
                names.add(d.getName());
            }
            for (String name : names) {
                if (orphaned(name)) {
                    removeDomain(conn, name);
                }
            }
        } catch (LibvirtException e) {
            throw new IllegalStateException("cannot list domains to sweep test leftovers: " + e.getMessage(), e);
        }
        try (Stream<Path> dirs = Files.list(TestDomain.workRoot())) {
            dirs.filter(d -> orphaned(d.getFileName().toString())).forEach(TestDomain::deleteTree);
        } catch (IOException e) {
            throw new IllegalStateException("cannot sweep " + TestDomain.workRoot() + ": " + e.getMessage(), e);
        }
    }

    static boolean orphaned(String name) {
        OptionalLong pid = ownerPid(name);
        return pid.isPresent() && ProcessHandle.of(pid.getAsLong()).map(p -> !p.isAlive()).orElse(true);
    }

    static OptionalLong ownerPid(String name) {
        Matcher m = NAME.matcher(name);
        return m.matches() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
    }

    /** Destroys (if running) and undefines a domain; absent domains are fine. */
    static void removeDomain(Connect conn, String name) {
        Domain dom;
        try {
            dom = conn.domainLookupByName(name);
        } catch (LibvirtException e) {
            return;
        }
        try {
            if (dom.isActive() == 1) {
                dom.destroy();
            }
        } catch (LibvirtException e) {
            // it may have stopped by itself meanwhile; undefine still has to happen
        }
        try {
            // With its UEFI variable store, if it has one: libvirt refuses to undefine it otherwise.
            dom.undefine(4); // VIR_DOMAIN_UNDEFINE_NVRAM
        } catch (LibvirtException e) {
            throw new IllegalStateException("cannot undefine test domain " + name + ": " + e.getMessage(), e);
        }
    }
}
