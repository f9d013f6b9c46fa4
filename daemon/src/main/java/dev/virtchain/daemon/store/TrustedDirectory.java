package dev.virtchain.daemon.store;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;

/**
 * Checks that only root and the daemon's own user can change a directory the daemon trusts:
 * the state directory (which says which files hold every snapshot) and the control socket's
 * directory (whose socket root answers on).
 *
 * <p>The directory itself is examined without following links (lstat): it must be a real
 * directory, not a symbolic link, owned by root or the daemon's user, and not writable by its
 * group or by others. Its parents are examined as the system resolves them (so {@code /var/run}
 * being a link to {@code /run} is fine): each must be owned by root or the daemon's user and
 * not writable by group or others unless the sticky bit is set (as on {@code /tmp}), where
 * nobody can rename or replace another user's entry. Anyone able to swap a component of the path
 * could otherwise point the daemon at a directory of their own making.
 */
public final class TrustedDirectory {
    /** st_mode's write bits for group and others, and the sticky bit. */
    private static final int GROUP_OR_OTHER_WRITE = 0022;
    private static final int STICKY = 01000;

    private final UserPrincipal root;
    private final UserPrincipal self;

    /** Principals compare by uid, so these match however the owner is named. */
    TrustedDirectory(UserPrincipal root, UserPrincipal self) {
        this.root = root;
        this.self = self;
    }

    /** The check for the daemon's user (root in production) and root. */
    public static TrustedDirectory forThisProcess() throws IOException {
        UserPrincipalLookupService users = FileSystems.getDefault().getUserPrincipalLookupService();
        return new TrustedDirectory(users.lookupPrincipalByName("root"),
                users.lookupPrincipalByName(System.getProperty("user.name")));
    }

    /**
     * Checks {@code dir}, which must exist.
     *
     * @param role what the directory is for, in the message ("state directory")
     * @param option the command-line option or setting that names it, in the message
     * @throws UnsafeDirectory saying what is wrong and what to do
     */
    public void check(Path dir, String role, String option) throws IOException {
        Path absolute = dir.toAbsolutePath().normalize();
        PosixFileAttributes own;
        try {
            own = Files.readAttributes(absolute, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw new UnsafeDirectory(absolute, "the " + role + " " + absolute + " does not exist");
        }
        if (own.isSymbolicLink()) {
            throw new UnsafeDirectory(absolute, "the " + role + " " + absolute + " is a symbolic link (to "
                    + Files.readSymbolicLink(absolute) + "); virtchaind does not follow links there: give "
                    + option + " the real directory");
        }
        if (!own.isDirectory()) {
            throw new UnsafeDirectory(absolute, "the " + role + " " + absolute + " is not a directory");
        }
        requireTrusted(absolute, own, role, option, false);
        Path parent = absolute.getParent();
        if (parent == null) {
            return;
        }
        for (Path p = parent.toRealPath(); p != null; p = p.getParent()) {
            requireTrusted(p, Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS),
                    "parent of the " + role + " " + absolute + ",", option, true);
        }
    }

    private void requireTrusted(Path p, PosixFileAttributes a, String role, String option, boolean stickyIsEnough)
            throws UnsafeDirectory {
        if (!a.owner().equals(root) && !a.owner().equals(self)) {
            throw new UnsafeDirectory(p, "the " + role + " " + p + " belongs to user '" + a.owner().getName()
                    + "', who could replace what virtchaind keeps there; make it root's (chown root " + p
                    + ") or choose another " + option);
        }
        int mode = mode(p);
        if ((mode & GROUP_OR_OTHER_WRITE) != 0 && !(stickyIsEnough && (mode & STICKY) != 0)) {
            throw new UnsafeDirectory(p, "the " + role + " " + p + " is writable by "
                    + ((mode & 0020) != 0 ? "its group" + ((mode & 0002) != 0 ? " and others" : "") : "others")
                    + String.format(" (mode %04o)", mode & 07777) + ", who could replace what virtchaind keeps there;"
                    + " run chmod go-w " + p + " or choose another " + option);
        }
    }

    private static int mode(Path p) throws UnsafeDirectory {
        try {
            return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | UnsupportedOperationException e) {
            throw new UnsafeDirectory(p, "cannot read the mode of " + p + ": " + e.getMessage());
        }
    }
}
