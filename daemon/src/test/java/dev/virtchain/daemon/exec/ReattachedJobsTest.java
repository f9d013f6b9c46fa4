package dev.virtchain.daemon.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtchain.libvirt.BlockJob;
import dev.virtchain.libvirt.BlockJobKind;
import dev.virtchain.model.ImageFormat;
import dev.virtchain.model.plan.Step;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A job watched again promises what its step promised; a copy's promise is the one the adapter starts it with. */
class ReattachedJobsTest {
    private static final List<String> LIVE = List.of("/i/web.2.qcow2", "/i/web.1.qcow2", "/i/web.qcow2");

    private static List<Path> paths(String... p) {
        return java.util.Arrays.stream(p).map(Path::of).toList();
    }

    private static BlockJob job(Step s) {
        return ReattachedJobs.of("web", s, LIVE, 5).orElseThrow();
    }

    @Test
    void commitsAndPullsPromiseTheirStepsChain() {
        List<String> after = List.of("/i/web.1.qcow2", "/i/web.qcow2");
        BlockJob active = job(new Step.BlockCommit("vda", "/i/web.2.qcow2", "/i/web.1.qcow2", true, 1, "/i", after));
        assertEquals(BlockJobKind.ACTIVE_COMMIT, active.kind());
        assertEquals(paths(LIVE.toArray(String[]::new)), active.chainBefore());
        assertEquals(paths(after.toArray(String[]::new)), active.expectedChain());
        assertEquals(5, active.bandwidthMiB());
        assertEquals(active, job(new Step.Pivot("vda", "/i/web.1.qcow2", after)), "a pivot ends that same job");

        List<String> pulled = List.of("/i/web.2.qcow2", "/i/web.qcow2");
        BlockJob pull = job(new Step.BlockPull("vda", "/i/web.2.qcow2", "/i/web.qcow2", 1, "/i", pulled));
        assertEquals(BlockJobKind.PULL, pull.kind());
        assertEquals(paths(pulled.toArray(String[]::new)), pull.expectedChain());
    }

    @Test
    void aCopyPromisesWhatTheAdapterStartsItWith() {
        Path dest = Path.of("/c/web.copy.qcow2");
        BlockJob shallow = job(new Step.BlockCopy("vda", dest.toString(), ImageFormat.QCOW2, true, 1));
        assertEquals(BlockJob.copy("web", "vda", paths(LIVE.toArray(String[]::new)), dest, true, 5), shallow);
        assertEquals(List.of(dest, Path.of("/i/web.1.qcow2"), Path.of("/i/web.qcow2")), shallow.expectedChain());
        BlockJob full = job(new Step.BlockCopy("vda", dest.toString(), ImageFormat.QCOW2, false, 1));
        assertEquals(List.of(dest), full.expectedChain());

        List<String> pivoted = List.of(dest.toString(), "/i/web.1.qcow2", "/i/web.qcow2");
        assertEquals(shallow, job(new Step.FinishCopy("vda", dest.toString(), true, pivoted)),
                "the finish step watches the job the copy step started");
        assertEquals(paths(LIVE.toArray(String[]::new)),
                job(new Step.FinishCopy("vda", dest.toString(), false, pivoted)).expectedChain(),
                "without a pivot the chain stays");
    }

    @Test
    void stepsWithoutAJobHaveNone() {
        assertTrue(ReattachedJobs.of("web", new Step.Unlink("vda", "/i/web.1.qcow2"), LIVE, 0).isEmpty());
    }
}
