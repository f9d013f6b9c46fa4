package dev.virtchain.daemon.control;

import java.io.IOException;
import java.nio.file.attribute.UserPrincipal;
import java.util.Objects;
import java.util.Optional;
import jdk.net.UnixDomainPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may use the control socket: root, the daemon's own user, and members of the socket's
 * group, meaning a peer whose primary group (the gid the kernel reports with the connection)
 * is that group, or whose user name the group file lists as a member.
 *
 * <p>The socket's mode already keeps others out; this check is the second lock, for a socket
 * left 0600 because the group was missing, a mode changed by hand, or a directory made wider
 * than intended.
 */
public final class PeerAccess {

    private static final Logger log = LoggerFactory.getLogger(PeerAccess.class);

    private final String groupName;
    private final GroupDatabase groups;
    private final UserPrincipal root;
    private final UserPrincipal self;

    /**
     * @param root the uid 0 principal (principals compare by uid)
     * @param self the user the daemon runs as
     */
    public PeerAccess(String groupName, GroupDatabase groups, UserPrincipal root, UserPrincipal self) {
        this.groupName = Objects.requireNonNull(groupName, "groupName");
        this.groups = Objects.requireNonNull(groups, "groups");
        this.root = Objects.requireNonNull(root, "root");
        this.self = Objects.requireNonNull(self, "self");
    }

    public boolean allows(UnixDomainPrincipal peer) {
        if (peer.user().equals(root) || peer.user().equals(self)) {
            return true;
        }
        if (peer.group().getName().equals(groupName)) {
            return true;
        }
        Optional<GroupDatabase.Group> group;
        try {
            group = groups.find(groupName);
        } catch (IOException e) {
            log.warn("cannot read {} to check membership of group {}: {}; refusing {}", groups.file(), groupName,
                    e.getMessage(), describe(peer));
            return false;
        }
        return group.map(g -> g.members().contains(peer.user().getName())).orElse(false);
    }

    /** How log lines name a peer: its user and primary group (numeric when they have no name). */
    public static String describe(UnixDomainPrincipal peer) {
        return "user '" + peer.user().getName() + "' (group '" + peer.group().getName() + "')";
    }

    public String groupName() {
        return groupName;
    }
}
