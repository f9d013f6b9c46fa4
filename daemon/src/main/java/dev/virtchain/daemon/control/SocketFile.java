package dev.virtchain.daemon.control;

import dev.virtchain.daemon.store.TrustedDirectory;
import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control socket's place in the file system: its directory, a stale file from a crashed
 * run, and its owner and mode. Kept apart from {@link ControlSocket}, which speaks the
 * protocol over it.
 */
final class SocketFile {

    private static final Logger log = LoggerFactory.getLogger(SocketFile.class);

    /** st_mode's file type bits and the value for a socket (S_IFMT, S_IFSOCK). */
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private final Path path;
    private final String groupName;

    SocketFile(Path path, String groupName) {
        this.path = path;
        this.groupName = groupName;
    }

    /** The socket's group, or empty (with a warning) when the host has no such group. */
    Optional<GroupPrincipal> group() {
        try {
            return Optional.of(FileSystems.getDefault().getUserPrincipalLookupService()
                    .lookupPrincipalByGroupName(groupName));
        } catch (UserPrincipalNotFoundException e) {
            log.warn("group '{}' does not exist: the control socket {} is root-only (0600) until it is created"
                    + " (systemd-sysusers creates it from sysusers.d/virtchain.conf)", groupName, path);
            return Optional.empty();
        } catch (IOException e) {
            log.warn("cannot look up group '{}' ({}): the control socket {} is root-only (0600)", groupName,
                    e.getMessage(), path);
            return Optional.empty();
        }
    }

    /**
     * Creates the socket's directory when missing, mode 0750 and the socket's group, so members
     * can reach the socket and nobody else can even see it. An existing directory is left as
     * the operator (or tmpfiles.d) made it, once {@link TrustedDirectory} found that only root
     * (or the daemon's user) can change it: whoever can write there could replace the socket
     * between its bind and its chmod, or put a link where the daemon removes a stale socket.
     */
    void prepareDirectory(Optional<GroupPrincipal> group) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            TrustedDirectory.forThisProcess().check(dir, "control socket's directory", "--socket (socket in [daemon])");
            return;
        }
        Files.createDirectories(dir.getParent());
        Files.createDirectory(dir);
        // Set explicitly: createDirectory's mode is filtered through the umask.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-x---"));
        if (group.isPresent()) {
            try {
                Files.getFileAttributeView(dir, PosixFileAttributeView.class).setGroup(group.get());
            } catch (IOException e) {
                log.warn("cannot give {} to group '{}': {}; only its owner can reach the socket", dir, groupName,
                        e.getMessage());
            }
        }
    }

    /**
     * Removes a socket left by a run that did not shut down (kill -9, power cut). Refuses when a
     * daemon still answers on it, and never removes anything that is not a socket.
     */
    void clearStale() throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new IOException(path + " exists and is not a socket; remove it or choose another --socket path");
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(path));
            throw new IOException("another virtchaind is already listening on " + path);
        } catch (ConnectException e) {
            Files.delete(path);
            log.info("removed stale control socket {} left by an earlier run", path);
        }
    }

    /** 0660 and the group when it exists; otherwise 0600. The owner is whoever runs the daemon (root). */
    void restrict(Optional<GroupPrincipal> group) throws IOException {
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        if (group.isEmpty()) {
            return;
        }
        try {
            Files.getFileAttributeView(path, PosixFileAttributeView.class).setGroup(group.get());
        } catch (IOException e) {
            log.warn("cannot give control socket {} to group '{}' ({}); it stays 0600", path, groupName, e.getMessage());
            return;
        }
        Files.setPosixFilePermissions(path, Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE));
    }

    void remove() {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            log.warn("cannot remove control socket {}: {}", path, e.getMessage());
        }
    }

    Path path() {
        return path;
    }
}
