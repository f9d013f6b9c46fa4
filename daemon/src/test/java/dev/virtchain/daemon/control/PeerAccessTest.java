package dev.virtchain.daemon.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.List;
import java.util.Optional;
import jdk.net.UnixDomainPrincipal;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The access rule against a group file written by the test (principals are the host's real ones). */
class PeerAccessTest {

    @TempDir
    Path dir;

    private final UserPrincipalLookupService users = FileSystems.getDefault().getUserPrincipalLookupService();
    private UnixDomainPrincipal root;
    private UnixDomainPrincipal nobody;
    private Path groupFile;

    @BeforeEach
    void principals() throws Exception {
        root = new UnixDomainPrincipal(users.lookupPrincipalByName("root"), users.lookupPrincipalByGroupName("root"));
        nobody = new UnixDomainPrincipal(users.lookupPrincipalByName("nobody"),
                users.lookupPrincipalByGroupName(PeerCredentialsTest.nobodysGroup()));
        groupFile = dir.resolve("group");
    }

    private PeerAccess access(String group) throws Exception {
        return new PeerAccess(group, new GroupDatabase(groupFile), users.lookupPrincipalByName("root"),
                users.lookupPrincipalByName("root"));
    }

    @Test
    void rootIsAlwaysAllowed() throws Exception {
        Files.writeString(groupFile, "");
        assertTrue(access("vcops").allows(root));
    }

    @Test
    void aListedMemberIsAllowed() throws Exception {
        Files.writeString(groupFile, "root:x:0:\nvcops:x:990:alice,nobody,bob\n");
        assertTrue(access("vcops").allows(nobody));
    }

    @Test
    void othersAreRefused() throws Exception {
        Files.writeString(groupFile, "vcops:x:990:alice,bob\nother:x:991:nobody\n# nobody\n");
        assertFalse(access("vcops").allows(nobody));
        assertFalse(access("absent").allows(nobody));
    }

    @Test
    void thePeersPrimaryGroupIsEnough() throws Exception {
        Files.writeString(groupFile, PeerCredentialsTest.nobodysGroup() + ":x:65534:\n");
        assertTrue(access(PeerCredentialsTest.nobodysGroup()).allows(nobody));
    }

    @Test
    void thePrimaryGroupIsComparedByGidNotByName() throws Exception {
        // The configured group has nobody's gid under another name: nobody is in it.
        Files.writeString(groupFile, "vcops:x:65534:\n");
        assertTrue(access("vcops").allows(nobody));
        // A group named like nobody's but with another gid: nobody is not in it.
        Files.writeString(groupFile, PeerCredentialsTest.nobodysGroup() + ":x:991:\n");
        assertFalse(access(PeerCredentialsTest.nobodysGroup()).allows(nobody));
        // A group missing from the group file grants nothing, whatever the name service says.
        Files.writeString(groupFile, "");
        assertFalse(access(PeerCredentialsTest.nobodysGroup()).allows(nobody));
    }

    @Test
    void membershipIsReadByGid() throws Exception {
        // nobody is listed on another line with the configured group's gid: the kernel would grant it.
        Files.writeString(groupFile, "vcops:x:990:alice\nvcops-alias:x:990:nobody\nother:x:991:nobody\n");
        assertTrue(access("vcops").allows(nobody));
        Files.writeString(groupFile, "vcops:x:990:alice\nother:x:991:nobody\n");
        assertFalse(access("vcops").allows(nobody));
    }

    @Test
    void aGroupNamedLikeAGidIsNotTrustedForThatGid() throws Exception {
        Files.writeString(groupFile, "vcops:x:65534:\n65534:x:42:\n");
        assertFalse(access("vcops").allows(nobody));
    }

    @Test
    void anUnreadableGroupFileGrantsNothing() throws Exception {
        assertFalse(access("vcops").allows(nobody)); // groupFile was never written
    }

    @Test
    void groupLinesAreParsed() throws Exception {
        Files.writeString(groupFile, "vcops:x:990: alice , ,bob\nbroken:x:notanumber:nobody\n");
        GroupDatabase db = new GroupDatabase(groupFile);
        assertEquals(Optional.of(new GroupDatabase.Group("vcops", 990, List.of("alice", "bob"))), db.find("vcops"));
        assertEquals(Optional.empty(), db.find("broken"));
        assertEquals(Optional.empty(), db.find("vc"));
    }
}
