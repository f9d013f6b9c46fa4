package dev.virtchain.daemon.ledger;

import dev.virtchain.daemon.ledger.LedgerStore.FileState;
import dev.virtchain.daemon.ledger.LedgerStore.Generations;
import dev.virtchain.daemon.store.StateLock;
import dev.virtchain.model.Disk;
import dev.virtchain.model.Ledger;
import dev.virtchain.model.Snapshot;
import dev.virtchain.model.plan.Step;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Collectors;

/**
 * {@code virtchaind --check-state}: prints every ledger of a state directory (domain, UUID,
 * generation, format and checksum of both generations, disks, snapshots with their holders, the
 * operation in progress) and verifies each (frame, checksum, XML, the ledger's own invariants,
 * that the file is named after the domain it holds), as ZooKeeper's log tools print and check a
 * transaction log. Exit status 0 when every ledger is good, 1 otherwise.
 *
 * <p>It only reads: it takes no lock, removes no temporary file, moves no damaged file (the
 * daemon does that at its next start) and creates nothing, so it can run beside a daemon. Whether
 * a daemon holds the directory is read from the kernel's lock list and said, because a save under
 * way then shows as a temporary file and the files may move on while they are read.
 */
public final class StateCheck {
    /** Every ledger read and good. */
    public static final int GOOD = 0;
    /** A ledger (or a generation of one) is damaged, unreadable, from a newer version or breaks its rules. */
    public static final int PROBLEMS = 1;

    private final PrintStream out;
    private final List<String> problems = new ArrayList<>();

    private StateCheck(PrintStream out) {
        this.out = out;
    }

    /** Prints and checks the ledgers under {@code stateDir}; returns the exit status. */
    public static int run(Path stateDir, PrintStream out) {
        return new StateCheck(out).check(stateDir.toAbsolutePath().normalize());
    }

    private int check(Path stateDir) {
        if (!Files.isDirectory(stateDir, LinkOption.NOFOLLOW_LINKS)) {
            line("state directory " + stateDir + " does not exist (or is not a directory); give --state-dir");
            return PROBLEMS;
        }
        OptionalLong holder = StateLock.holderOf(stateDir);
        line("state directory " + stateDir + (holder.isPresent()
                ? ": in use by virtchaind pid " + holder.getAsLong() + "; reading anyway, without its lock (a save"
                + " under way shows as a temporary file, and the files may change while they are read)"
                : ": no virtchaind holds it"));
        LedgerStore.Inspection found;
        try {
            found = LedgerStore.inspect(stateDir);
        } catch (LedgerFileException e) {
            line(e.getMessage());
            return PROBLEMS;
        }
        for (Generations g : found.domains()) {
            domain(g);
        }
        for (String other : found.otherFiles()) {
            line("");
            line("other file " + found.dir().resolve(other) + ": " + describeOther(other));
        }
        line("");
        line(found.domains().size() + (found.domains().size() == 1 ? " ledger, " : " ledgers, ")
                + (problems.isEmpty() ? "all good" : problems.size() + (problems.size() == 1 ? " problem" : " problems")
                + ":"));
        problems.forEach(p -> line("  " + p));
        return problems.isEmpty() ? GOOD : PROBLEMS;
    }

    private void domain(Generations g) {
        line("");
        StoredLedger shown = g.usable().orElse(null);
        line("ledger " + g.uuid() + (shown == null ? "" : ": domain " + shown.ledger().domainName()));
        generation("current ", g.current(), g.uuid());
        generation("previous", g.previous(), g.uuid());
        if (shown == null) {
            problem(g.uuid(), g.problem().orElseThrow());
            return;
        }
        if (!g.current().readable()) {
            problem(g.uuid(), (g.current().present() ? g.current().problem().orElseThrow().getMessage()
                    : g.current().file() + " is missing") + "; the next virtchaind start puts the previous generation"
                    + " back in its place and keeps the damaged file aside");
            line("  shown below: the previous generation, as the daemon would take it");
        }
        if (g.previous().problem().isPresent()) {
            problem(g.uuid(), g.previous().problem().get().getMessage() + "; the current generation has no good"
                    + " previous generation to fall back on until its next save");
        }
        Ledger l = shown.ledger();
        for (Disk d : l.disks()) {
            line("  disk " + d.target() + ": active " + d.active() + ", " + d.images().size()
                    + (d.images().size() == 1 ? " image" : " images"));
        }
        line("  " + l.snapshots().size() + (l.snapshots().size() == 1 ? " snapshot" : " snapshots")
                + (l.current() == null ? "" : ", current " + l.current()));
        for (Snapshot s : l.snapshots()) {
            line("    " + s.name() + "  " + s.created() + "  " + s.consistency().name().toLowerCase(java.util.Locale.ROOT)
                    + "  " + s.holders().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                    .collect(Collectors.joining(" "))
                    + (s.holds().isEmpty() ? "" : "  held by " + String.join(",", s.holds()))
                    + (s.protectedBy().isEmpty() ? "" : "  base of clones " + String.join(",", s.protectedBy())));
        }
        if (!l.tombstones().isEmpty()) {
            line("  " + l.tombstones().size() + (l.tombstones().size() == 1 ? " tombstoned image" : " tombstoned images")
                    + " kept for their dependants");
        }
        shown.operation().ifPresentOrElse(op -> {
            line("  operation in progress: " + op.id() + " (" + op.kind() + ": " + op.description() + "), started "
                    + op.started());
            line("    " + (op.finished() ? "all " + op.steps().size() + " steps done"
                    : "step " + (op.nextStep() + 1) + " of " + op.steps().size() + " (" + kind(op.currentStep()) + ") "
                    + (op.stepStarted() ? "may be under way" : "not begun"))
                    + "; a running daemon is carrying it out, or the next start settles it");
            line("    steps: " + op.steps().stream().map(StateCheck::kind).collect(Collectors.joining(", ")));
        }, () -> line("  no operation in progress"));
        List<String> broken = l.check();
        if (broken.isEmpty()) {
            line("  invariants: OK");
        } else {
            line("  invariants: " + broken.size() + " broken");
            broken.forEach(b -> problem(g.uuid(), "domain " + l.domainName() + ": " + b));
        }
    }

    private void generation(String which, FileState f, String uuid) {
        if (!f.present()) {
            line("  " + which + " " + f.file().getFileName() + ": absent");
            return;
        }
        if (f.problem().isPresent()) {
            LedgerFileException e = f.problem().get();
            line("  " + which + " " + f.file().getFileName() + ": " + switch (e.kind()) {
                case DAMAGED -> "DAMAGED";
                case NEWER -> "NEWER FORMAT";
                case IO -> "UNREADABLE";
            } + ": " + e.getMessage());
            return;
        }
        LedgerCodec.Decoded d = f.contents().orElseThrow();
        line("  " + which + " " + f.file().getFileName() + ": generation " + d.stored().version() + ", "
                + (d.format() == LedgerFrame.FORMAT_FRAMED ? "format 2, checksum OK"
                : "format 1 (plain XML from an earlier release, no checksum; the next save writes format 2)"));
    }

    private static String describeOther(String name) {
        if (name.startsWith(".") && name.endsWith(".tmp")) {
            return "temporary file of a save (under way, or interrupted: the next start removes it)";
        }
        if (name.contains(LedgerStore.DAMAGED_INFIX)) {
            return "a damaged generation the daemon moved aside; kept for inspection, never read";
        }
        return "not a ledger file (ledgers are named <uuid>.xml and <uuid>.xml.prev); never read";
    }

    private static String kind(Step s) {
        return s.getClass().getSimpleName();
    }

    private void problem(String uuid, String what) {
        problems.add(uuid + ": " + what);
    }

    /** Prints one line with control characters escaped: a damaged file's bytes may end up in a message. */
    private void line(String text) {
        StringBuilder b = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            if (Character.isISOControl(c) || c == 0x2028 || c == 0x2029) {
                b.append(String.format("\\u%04x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        out.println(b);
    }
}
