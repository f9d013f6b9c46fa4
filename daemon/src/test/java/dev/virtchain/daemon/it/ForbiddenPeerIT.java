package dev.virtchain.daemon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtchain.testing.TestDomain;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * End to end: the real daemon, the real {@code bin/virtchain}, a real peer that is neither root
 * nor in the socket's group ({@code nobody}, through setpriv). The socket's mode would already stop
 * such a peer at connect(); it is opened up here (as a careless chmod or an ACL would) to prove the
 * daemon's own credential check still refuses it — and still serves root.
 */
@Timeout(180)
class ForbiddenPeerIT {
    private static final int NOBODY = 65534;
    private static final Path CLI = DaemonProcess.ROOT.resolve("bin/virtchain");

    private Path home;
    private DaemonProcess daemon;

    @AfterEach
    void cleanUp() {
        if (daemon != null) {
            daemon.close();
        }
        CrashMatrixIT.deleteTree(home);
    }

    @Test
    void aPeerNeitherRootNorInTheGroupIsRefusedByTheDaemon() throws Exception {
        home = Files.createTempDirectory(TestDomain.workRoot(), "vcd-peer-");
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
        String group = "vctest-absent-group";
        daemon = DaemonProcess.startReady(home, "[daemon]\nsocket-group = " + group + "\nmin-free-space = 0\n");
        Path socket = DaemonProcess.socket(home);
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));

        Run refused = cli(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"),
                "--socket", socket.toString(), "status");
        assertEquals(1, refused.status, refused.toString());
        assertTrue(refused.err.contains("permission denied: user 'nobody'") && refused.err.contains(
                "is neither root nor a member of group '" + group + "'"), refused.toString());
        assertEquals("", refused.out, refused.toString());

        Run json = cli(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"),
                "--socket", socket.toString(), "--json", "status");
        assertEquals(1, json.status, json.toString());
        assertEquals("FORBIDDEN", DaemonProcess.json().readTree(json.out).path("code").asText(), json.toString());

        assertTrue(daemon.output().contains("refused control connection from user 'nobody'"), daemon.tail());

        Run root = cli(List.of(), "--socket", socket.toString(), "--json", "status");
        assertEquals(0, root.status, root.toString());
        assertEquals("ready", DaemonProcess.json().readTree(root.out).path("phase").asText(), root.toString());
    }

    private record Run(int status, String out, String err) {}

    private static Run cli(List<String> prefix, String... args) throws Exception {
        List<String> command = new ArrayList<>(prefix);
        command.add(CLI.toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().remove("VIRTCHAIN_SOCKET");
        Process p = pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        byte[] err = p.getErrorStream().readAllBytes();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "virtchain did not finish: " + command);
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }
}
