package dev.virtchain.daemon.exec;

import dev.virtchain.model.plan.Step;
import java.util.ArrayList;
import java.util.List;

/**
 * A place in an operation's step program where a test can stop the executor as {@code kill -9}
 * would. The points are derived from the steps themselves ({@link #program}): before and after
 * every step, after every ledger write, and the places inside a step where the host has been
 * asked but the step is not finished (a job started, ready but not pivoted, pivoted but not
 * recorded, an export written but not named). A new step kind gets its points from its
 * {@link #inside} case, which the compiler asks for.
 *
 * @param where what has happened at this point
 * @param step  the index of the step in the operation's program
 */
public record CrashPoint(Where where, int step) {

    /** What has happened when the executor reaches a point; the label is the crash setting's name. */
    public enum Where {
        /**
         * The step is recorded as started; nothing of it was issued. A ledger rewrite has no
         * record of its own: its point is just before its write.
         */
        AFTER_RECORD("after-record"),
        /** The host was asked (a job started, qemu-img ran, a file was written); the step is not over. */
        AFTER_CALL("after-call"),
        /** An active commit or a copy is in sync (READY) and not yet ended. */
        AT_READY("at-ready"),
        /** The disk was switched to its new image; the step is not yet recorded as done. */
        AFTER_PIVOT("after-pivot"),
        /** Just before an image is unlinked. */
        BEFORE_UNLINK("before-unlink"),
        /** An export's partial file was created, nothing written into it. */
        EXPORT_CREATED("export-created"),
        /** An export was written, checked and synced under its partial name. */
        EXPORT_CHECKED("export-checked"),
        /** An export has its final name and still its partial one. */
        EXPORT_LINKED("export-linked"),
        /** A clone's state files are copied; its definition is not. */
        BEFORE_DEFINE_CLONE("before-define-clone"),
        /** The step's work is over; it is not yet recorded as done. */
        AFTER_STEP("after-step"),
        /** A ledger rewrite and the step's end were written in one record. */
        AFTER_LEDGER("after-ledger");

        private final String label;

        Where(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** Every point the executor passes while it runs {@code steps} from the first, in order. */
    public static List<CrashPoint> program(List<Step> steps) {
        List<CrashPoint> out = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            out.add(new CrashPoint(Where.AFTER_RECORD, i));
            for (Where w : inside(s)) {
                out.add(new CrashPoint(w, i));
            }
            out.add(new CrashPoint(s instanceof Step.UpdateLedger ? Where.AFTER_LEDGER : Where.AFTER_STEP, i));
        }
        return List.copyOf(out);
    }

    /** The points inside one step, in the order the step reaches them. */
    public static List<Where> inside(Step step) {
        return step.accept(new Step.Visitor<>() {
            @Override
            public List<Where> createOverlay(Step.CreateOverlay s) {
                return List.of();
            }

            @Override
            public List<Where> takeSnapshot(Step.TakeSnapshot s) {
                return List.of();
            }

            @Override
            public List<Where> blockCommit(Step.BlockCommit s) {
                return s.active() ? List.of(Where.AFTER_CALL, Where.AT_READY) : List.of(Where.AFTER_CALL);
            }

            @Override
            public List<Where> pivot(Step.Pivot s) {
                return List.of(Where.AFTER_PIVOT);
            }

            @Override
            public List<Where> blockPull(Step.BlockPull s) {
                return List.of(Where.AFTER_CALL);
            }

            @Override
            public List<Where> offlineRebase(Step.OfflineRebase s) {
                return List.of(Where.AFTER_CALL);
            }

            @Override
            public List<Where> offlineCommit(Step.OfflineCommit s) {
                return List.of(Where.AFTER_CALL);
            }

            @Override
            public List<Where> convert(Step.Convert s) {
                return EXPORT;
            }

            @Override
            public List<Where> convertDiff(Step.ConvertDiff s) {
                return EXPORT;
            }

            @Override
            public List<Where> setDiskSource(Step.SetDiskSource s) {
                return List.of(Where.AFTER_CALL);
            }

            @Override
            public List<Where> stopDomain(Step.StopDomain s) {
                return List.of();
            }

            @Override
            public List<Where> startDomain(Step.StartDomain s) {
                return List.of();
            }

            @Override
            public List<Where> defineClone(Step.DefineClone s) {
                return List.of(Where.BEFORE_DEFINE_CLONE);
            }

            @Override
            public List<Where> unlink(Step.Unlink s) {
                return List.of(Where.BEFORE_UNLINK);
            }

            @Override
            public List<Where> updateLedger(Step.UpdateLedger s) {
                return List.of();
            }

            @Override
            public List<Where> createCopyTarget(Step.CreateCopyTarget s) {
                return List.of(Where.AFTER_CALL);
            }

            @Override
            public List<Where> blockCopy(Step.BlockCopy s) {
                return List.of(Where.AFTER_CALL, Where.AT_READY);
            }

            @Override
            public List<Where> finishCopy(Step.FinishCopy s) {
                return List.of(s.pivot() ? Where.AFTER_PIVOT : Where.AFTER_CALL);
            }
        });
    }

    private static final List<Where> EXPORT = List.of(Where.EXPORT_CREATED, Where.AFTER_CALL, Where.EXPORT_CHECKED,
            Where.EXPORT_LINKED);

    @Override
    public String toString() {
        return where.label() + "[step " + (step + 1) + "]";
    }
}
