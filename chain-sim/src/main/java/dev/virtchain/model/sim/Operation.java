package dev.virtchain.model.sim;

import java.util.List;

/**
 * One entry of a {@link SimulatedHost}'s operation log. Nullable image fields mean "none"
 * (no backing, no base).
 */
public sealed interface Operation {

    /**
     * Bytes a block job or {@code qemu-img} wrote to carry existing data from one image to
     * another: clusters written times the cluster size. Guest writes copy nothing.
     */
    long bytesCopied();

    /** {@code qemu-img create}. */
    record Create(String image, ImageFormat format, long virtualSize, String backing)
            implements Operation {
        @Override
        public long bytesCopied() {
            return 0;
        }
    }

    /** A guest write of {@code token} into every cluster the byte range touches. */
    record Write(String image, long offset, long length, long token, long bytesWritten)
            implements Operation {
        @Override
        public long bytesCopied() {
            return 0;
        }
    }

    /** Block commit of {@code top} and everything below it down to {@code base}. */
    record Commit(String top, String base, List<String> rewritten, long bytesCopied)
            implements Operation {
        public Commit {
            rewritten = List.copyOf(rewritten);
        }
    }

    /** Active block commit of {@code active} into {@code base}, then the pivot to base. */
    record ActiveCommit(String active, String base, long bytesCopied) implements Operation {
    }

    /** Block stream into {@code image} of everything above {@code base}. */
    record Pull(String image, String oldBacking, String base, long bytesCopied)
            implements Operation {
    }

    /** Block copy (mirror) of {@code source} into a new image {@code dest}. */
    record Copy(String source, String dest, boolean shallow, long bytesCopied)
            implements Operation {
    }

    /** {@code qemu-img rebase}, safe ({@code -b}) or pointer only ({@code -u}). */
    record Rebase(String image, String oldBacking, String newBacking, boolean safe,
                  long bytesCopied) implements Operation {
    }

    /** {@code qemu-img convert} of {@code source} into a new image, whole or over {@code base}. */
    record Convert(String source, String base, String dest, ImageFormat format,
                   long bytesCopied) implements Operation {
    }

    /** A file removed from disk. */
    record Unlink(String image) implements Operation {
        @Override
        public long bytesCopied() {
            return 0;
        }
    }

    /** A guest starts writing to {@code image} (a domain starts with it as its disk). */
    record Activate(String image) implements Operation {
        @Override
        public long bytesCopied() {
            return 0;
        }
    }

    /** The guest writing to {@code image} stops (the domain shuts off). */
    record Deactivate(String image) implements Operation {
        @Override
        public long bytesCopied() {
            return 0;
        }
    }

    /** The guest's writes move from {@code from} to {@code to}, which shows the same data. */
    record Pivot(String from, String to) implements Operation {
        @Override
        public long bytesCopied() {
            return 0;
        }
    }
}
