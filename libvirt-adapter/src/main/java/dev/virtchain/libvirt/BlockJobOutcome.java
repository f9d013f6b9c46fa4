package dev.virtchain.libvirt;

import java.nio.file.Path;
import java.util.List;

/**
 * How a block job ended.
 *
 * @param state      a terminal {@link BlockJobState}
 * @param chainAfter the disk's chain read after the job ended; empty when it could not be read
 * @param reason     why the watcher decided so, for logs and the journal
 */
public record BlockJobOutcome(BlockJob job, BlockJobState state, List<Path> chainAfter, String reason) {
    public BlockJobOutcome {
        if (!state.isTerminal()) {
            throw new IllegalArgumentException("an outcome needs a terminal state, not " + state);
        }
        chainAfter = List.copyOf(chainAfter);
    }

    public boolean completed() {
        return state == BlockJobState.COMPLETED;
    }
}
