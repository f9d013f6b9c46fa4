/**
 * The control protocol's commands, each a {@link dev.virtchain.daemon.control.CommandHandler}
 * answering in the shapes of {@code cli/JSON.md}. {@link dev.virtchain.daemon.Virtchaind}
 * registers {@code ping} and {@code status} at start; {@link dev.virtchain.daemon.commands.SnapshotCommands}
 * registers the rest once the services exist.
 *
 * <p>How it is put together: a handler reads and checks its arguments ({@code ManagedDomain}
 * for names and the domain look-up, {@code Arguments} for numbers and paths), runs an intent
 * through {@code Operations} (dry run, wait with progress, or start without waiting) or asks
 * libvirt and qemu-img directly, and builds its answer with {@code Shapes} and
 * {@code StepShapes}, which are pure so the shapes are tested against the recorded replies
 * without libvirt. {@code Failures} is the one place typed errors become error codes.
 * {@code Jobs} is what job-list, job-abort and status see of the work under way.
 */
package dev.virtchain.daemon.commands;
