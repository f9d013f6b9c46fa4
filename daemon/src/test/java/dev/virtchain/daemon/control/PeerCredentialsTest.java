package dev.virtchain.daemon.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtchain.daemon.commands.PingCommand;
import dev.virtchain.daemon.testclient.TinyClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The peer check with real peers: a client process run as {@code nobody} through setpriv(1)
 * (the tests run as root, as the daemon does). The client is {@link TinyClient}, copied where
 * nobody can read it.
 */
@Timeout(60)
class PeerCredentialsTest {

    private static final int NOBODY = 65534;
    private static final String PING = "{\"v\":1,\"id\":\"who\",\"command\":\"ping\"}";

    @TempDir
    Path dir;

    private Path clientClasses;
    private ServedSocket served;

    /** nobody's primary group: "nogroup" on Debian, "nobody" elsewhere. */
    static String nobodysGroup() throws IOException {
        for (String line : Files.readAllLines(Path.of("/etc/group"))) {
            String[] f = line.split(":");
            if (f.length >= 3 && f[2].equals(Integer.toString(NOBODY))) {
                return f[0];
            }
        }
        throw new IllegalStateException("no group with gid " + NOBODY + " in /etc/group");
    }

    @BeforeEach
    void copyClient() throws IOException {
        // JUnit's temp dirs are 0700; nobody must reach the socket and the client's class.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        String resource = TinyClient.class.getName().replace('.', '/') + ".class";
        clientClasses = dir.resolve("client");
        Path target = clientClasses.resolve(resource);
        Files.createDirectories(target.getParent());
        try (var in = TinyClient.class.getClassLoader().getResourceAsStream(resource)) {
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        for (Path p = target.getParent(); !p.equals(dir); p = p.getParent()) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
    }

    @AfterEach
    void stop() {
        if (served != null) {
            served.close();
        }
    }

    @Test
    void aPeerNeitherRootNorInTheGroupIsRefused() throws Exception {
        served = ServedSocket.started(dir.resolve("run/ctl.sock"), ServedSocket.ABSENT_GROUP);
        served.commands.register(PingCommand.NAME, Commands.Availability.ALWAYS, new PingCommand("t"));
        // The mode would stop nobody at connect(); open it up to reach the second lock.
        Files.setPosixFilePermissions(served.path.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(served.path, PosixFilePermissions.fromString("rw-rw-rw-"));

        try (LogCapture log = new LogCapture(Connection.class)) {
            List<String> out = runAs(NOBODY, NOBODY, served.path, PING);
            // No id: the request of a refused peer is never read.
            assertEquals(List.of("{\"id\":null,\"type\":\"error\",\"code\":\"FORBIDDEN\",\"message\":\"permission"
                    + " denied: user 'nobody' (group '" + nobodysGroup() + "') is neither root nor a member of group '"
                    + ServedSocket.ABSENT_GROUP + "'\"}"), out);
            assertTrue(log.messages().contains("refused control connection from user 'nobody' (group '" + nobodysGroup()
                    + "'): only root and members of group '" + ServedSocket.ABSENT_GROUP + "' may use the socket"),
                    log.messages().toString());
        }
        // root, in this JVM, is still served
        assertEquals("result", served.only(PING).get("type").asText());
    }

    @Test
    void aPeerWhosePrimaryGroupIsTheSocketsGroupIsServed() throws Exception {
        served = ServedSocket.started(dir.resolve("run/ctl.sock"), nobodysGroup());
        served.commands.register(PingCommand.NAME, Commands.Availability.ALWAYS, new PingCommand("t"));
        // Mode and directory as the daemon made them: 0660 and 0750, both with the group.
        List<String> out = runAs(NOBODY, NOBODY, served.path, PING);
        assertEquals(List.of("{\"id\":\"who\",\"type\":\"result\",\"data\":{\"pong\":true,\"version\":\"t\"}}"), out);
    }

    @Test
    void rootIsServed() throws Exception {
        served = ServedSocket.started(dir.resolve("run/ctl.sock"), ServedSocket.ABSENT_GROUP);
        served.commands.register(PingCommand.NAME, Commands.Availability.ALWAYS, new PingCommand("t"));
        List<String> out = runAs(0, 0, served.path, PING);
        assertEquals(List.of("{\"id\":\"who\",\"type\":\"result\",\"data\":{\"pong\":true,\"version\":\"t\"}}"), out);
    }

    private List<String> runAs(int uid, int gid, Path socket, String request) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups",
                java, "-XX:-UsePerfData", "-Xshare:auto", "-cp", clientClasses.toString(), TinyClient.class.getName(),
                socket.toString(), request));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "client did not finish");
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), output);
        return output.lines().toList();
    }
}
