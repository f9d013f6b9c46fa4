package dev.virtchain.daemon.control;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.UserPrincipal;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import jdk.net.UnixDomainPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may use the control socket: root, the daemon's own user, and members of the socket's
 * group, meaning a peer whose primary group (the gid the kernel reports with the connection,
 * SO_PEERCRED) is that group's gid, or whose user name the group file lists as a member of a
 * group with that gid.
 *
 * <p>Groups are compared by gid, never by name: the configured name is looked up once per
 * check in the group file to find its gid, and the peer's gid is compared with it. A name
 * comparison would let a group of the same name elsewhere in the name service (or a gid whose
 * name lookup fails and prints as a number) decide. {@link Connection} asks before it reads the
 * request, so a refused peer's bytes are never parsed.
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
        // UserPrincipal and GroupPrincipal compare by uid and gid.
        if (peer.user().equals(root) || peer.user().equals(self)) {
            return true;
        }
        Optional<GroupDatabase.Group> group;
        List<GroupDatabase.Group> sameGid;
        try {
            group = groups.find(groupName);
            if (group.isEmpty()) {
                return false;
            }
            sameGid = groups.withGid(group.get().gid());
        } catch (IOException e) {
            log.warn("cannot read {} to check membership of group {}: {}; refusing {}", groups.file(), groupName,
                    e.getMessage(), describe(peer));
            return false;
        }
        long gid = group.get().gid();
        if (hasGid(peer.group(), gid)) {
            return true;
        }
        String user = peer.user().getName();
        return sameGid.stream().anyMatch(g -> g.members().contains(user));
    }

    /**
     * Whether {@code group} is gid {@code gid}. The JDK's principals keep their id and compare by
     * it; a principal for a bare gid comes from looking the number up as a name, which falls back
     * to the number when no group has that name. A group literally named like the number would
     * answer instead, so such a group file is refused rather than guessed at.
     */
    private boolean hasGid(GroupPrincipal group, long gid) {
        String number = Long.toString(gid);
        try {
            Optional<GroupDatabase.Group> named = groups.find(number);
            if (named.isPresent() && named.get().gid() != gid) {
                log.warn("group file {} has a group named '{}' with gid {}: cannot compare gid {} reliably; refusing",
                        groups.file(), number, named.get().gid(), gid);
                return false;
            }
            GroupPrincipal expected = FileSystems.getDefault().getUserPrincipalLookupService()
                    .lookupPrincipalByGroupName(number);
            return group.equals(expected);
        } catch (IOException e) {
            log.warn("cannot look up gid {}: {}", gid, e.getMessage());
            return false;
        }
    }

    /** How log lines name a peer: its user and primary group (numeric when they have no name). */
    public static String describe(UnixDomainPrincipal peer) {
        return "user '" + peer.user().getName() + "' (group '" + peer.group().getName() + "')";
    }

    public String groupName() {
        return groupName;
    }
}
