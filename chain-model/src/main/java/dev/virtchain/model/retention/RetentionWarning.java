package dev.virtchain.model.retention;

import java.util.List;

/** Something the operator should know about a decision that is nonetheless carried out. */
public sealed interface RetentionWarning {

    /**
     * More snapshots are held than the policy's depth limit allows. Holds win over the limit:
     * every unheld snapshot of the policy is consolidated and the chain still stays deeper than
     * {@code maxDepth} until a hold is released.
     *
     * @param held the held snapshots' names, oldest first
     */
    record HeldExceedMaxDepth(List<String> held, int maxDepth) implements RetentionWarning {
        public HeldExceedMaxDepth {
            held = List.copyOf(held);
        }

        @Override
        public String toString() {
            return held.size() + " held snapshots exceed max-depth " + maxDepth
                    + "; release a hold to let the chain shrink: " + String.join(", ", held);
        }
    }
}
