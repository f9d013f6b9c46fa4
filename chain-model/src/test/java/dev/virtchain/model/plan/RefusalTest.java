package dev.virtchain.model.plan;

import static dev.virtchain.model.plan.DomainState.RUNNING;
import static dev.virtchain.model.plan.DomainState.SHUT_OFF;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.virtchain.model.ChainDrift;
import dev.virtchain.model.ChainException;
import dev.virtchain.model.InvalidName;
import dev.virtchain.model.Origin;
import dev.virtchain.model.Refused;
import dev.virtchain.model.UnknownDisk;
import dev.virtchain.model.UnknownSnapshot;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Every refusal, with its exact text: they are what a user reads. */
class RefusalTest {
    static final String RULE = "; use 1-128 characters from A-Z a-z 0-9 . _ : + - not starting with '.' or '-'";

    private final Fixture f = Fixture.design(RUNNING);

    static <T extends ChainException> T refused(Class<T> type, String message, Executable e) {
        T t = assertThrows(type, e);
        assertEquals(message, t.getMessage());
        return t;
    }

    @Test
    void invalidNamesSayWhatIsWrong() {
        refused(InvalidName.class, "snapshot name \"../x\" in domain vm is invalid: it starts with '.'" + RULE,
                () -> f.plan(Intent.Delete.of("../x")));
        refused(InvalidName.class, "snapshot name \"\" in domain vm is invalid: it is empty" + RULE,
                () -> f.plan(Intent.Create.of("")));
        InvalidName n = refused(InvalidName.class, "snapshot name \"" + "a".repeat(40) + "...\" in domain vm is invalid: "
                + "it is 300 characters long (at most 128)" + RULE, () -> f.plan(Intent.Create.of("a".repeat(300))));
        assertEquals("a".repeat(300), n.name());
        refused(InvalidName.class, "snapshot name \"bad\\u000aname\" in domain vm is invalid: "
                + "it contains the character U+000A at position 4" + RULE, () -> f.plan(Intent.Create.of("bad\nname")));
        refused(InvalidName.class, "snapshot name \"-rf\" in domain vm is invalid: it starts with '-'" + RULE,
                () -> f.plan(new Intent.Revert("-rf", true)));
        refused(InvalidName.class, "snapshot name \"a/b\" in domain vm is invalid: it contains '/' at position 2" + RULE,
                () -> f.plan(new Intent.Export("a/b", Map.of("vda", "/out/x.qcow2"))));
        refused(InvalidName.class, "domain name \"new vm\" is invalid: it contains the character U+0020 at position 4"
                + RULE, () -> f.plan(new Intent.Clone("S1", "new vm", Map.of())));
    }

    @Test
    void unknownSnapshotAndDisk() {
        UnknownSnapshot u = refused(UnknownSnapshot.class,
                "domain vm has no snapshot \"nope\"; list the snapshots with 'virtchain snapshot-list vm'",
                () -> f.plan(Intent.Delete.of("S1", "nope")));
        assertEquals("nope", u.snapshot().orElseThrow());
        refused(UnknownDisk.class, "domain vm has no disk \"vdz\"; its disks are [vda]",
                () -> f.plan(new Intent.Flatten("vdz")));
        refused(UnknownDisk.class, "domain vm has no disk \"vdb\"; its disks are [vda]",
                () -> f.plan(new Intent.Create("x", Set.of("vdb"), QuiesceMode.NO, null, Origin.manual())));
    }

    @Test
    void heldAndProtectedSnapshotsAreNotDeleted() {
        f.ledger = f.ledger.withHold("S1", "backup");
        Refused r = refused(Refused.class, "snapshot S1 of domain vm is held by [backup]; release the hold(s) first "
                + "('virtchain snapshot-release vm S1 TAG')", () -> f.plan(Intent.Delete.of("S0", "S1")));
        assertEquals(Refused.Reason.HELD, r.reason());
        f.ledger = f.ledger.withoutHold("S1", "backup").withProtection("S1", "vm2");
        r = refused(Refused.class, "snapshot S1 of domain vm is the base of clone(s) [vm2]; flatten or remove the "
                + "clone(s) first", () -> f.plan(Intent.Delete.of("S1")));
        assertEquals(Refused.Reason.PROTECTED, r.reason());
        refused(Refused.class, "domain vm2 is already a clone of snapshot S1 of domain vm; choose another name",
                () -> f.plan(new Intent.Clone("S1", "vm2", Map.of())));
        refused(Refused.class, "a clone of snapshot S1 cannot be named vm, the name of the domain it is cloned from; "
                + "choose another name", () -> f.plan(new Intent.Clone("S1", "vm", Map.of())));
    }

    @Test
    void createRefusals() {
        refused(Refused.class, "domain vm already has a snapshot S1; choose another name or delete the old one first",
                () -> f.plan(Intent.Create.of("S1")));
        Fixture off = Fixture.design(SHUT_OFF);
        refused(Refused.class, "domain vm is shut off, so snapshot q cannot be quiesced; it is consistent as it is: "
                + "create it without --quiesce",
                () -> off.plan(new Intent.Create("q", Set.of(), QuiesceMode.YES, null, Origin.manual())));
    }

    @Test
    void revertOfARunningDomainNeedsForceOrShutdown() {
        Refused r = refused(Refused.class, "domain vm is running; shut it down before reverting to snapshot S1, or "
                + "revert with --shutdown to shut it down cleanly and restart it, or with --force to stop it hard "
                + "and restart it", () -> f.plan(new Intent.Revert("S1", false)));
        assertEquals(Refused.Reason.RUNNING, r.reason());
    }

    @Test
    void exportRefusals() {
        refused(Refused.class, "on disk vda of domain vm, snapshot S2 (/img/V.2) is not an earlier point in time of "
                + "snapshot S1 (/img/V.1); export-diff needs FROM to be an ancestor of TO: export S1 in full instead",
                () -> f.plan(new Intent.ExportDiff("S2", "S1", Map.of("vda", "/out/d.qcow2"))));
        refused(Refused.class, "path out.qcow2 for disk vda of domain vm is not a normalised absolute file path; "
                + "give one like /var/lib/libvirt/images/x.qcow2",
                () -> f.plan(new Intent.Export("S2", Map.of("vda", "out.qcow2"))));
        refused(Refused.class, "path /img/V.1 is an image of domain vm; choose a new file name",
                () -> f.plan(new Intent.Export("S2", Map.of("vda", "/img/V.1"))));
        refused(Refused.class, "no destination given for exporting snapshot S2 of domain vm; name a file per disk",
                () -> f.plan(new Intent.Export("S2", Map.of())));
    }

    @Test
    void chainsThatDriftedFromTheLedgerAreRefused() {
        ChainDrift d = refused(ChainDrift.class, "disk vda of domain vm: the ledger expects the chain "
                + "[/img/V.3, /img/V.2, /img/V.1, /img/V] (active first) but libvirt shows [/img/V.3, /img/V.1]; "
                + "something changed the chain behind virtchain's back, run 'virtchain adopt vm' to reconcile before "
                + "planning", () -> new Planner(f.clock, f.caps).plan(Intent.Delete.of("S2"), new Situation(f.ledger,
                ObservedChains.of(Map.of("vda", List.of("/img/V.3", "/img/V.1"))), f.facts(), RUNNING)));
        assertEquals("vda", d.disk().orElseThrow());
        // A shut-off domain's XML may show only the top of the chain.
        Fixture off = Fixture.design(SHUT_OFF);
        new Planner(off.clock, off.caps).plan(Intent.Delete.of("S2"), new Situation(off.ledger,
                ObservedChains.of(Map.of("vda", List.of("/img/V.3"))), off.facts(), SHUT_OFF));
    }

    @Test
    void missingMeasurementsAreRefusedNamingTheImage() {
        refused(Refused.class, "no measurement of the bytes a pull into /img/V.3 from the images above /img/V.1 would "
                + "copy; measure it (qemu-img map) and plan again",
                () -> new Planner(f.clock, f.caps).plan(Intent.Delete.of("S2"), new Situation(f.ledger,
                        ObservedChains.of(f.ledger), AllocationFacts.of(Map.of(), Map.of()), RUNNING)));
    }
}
