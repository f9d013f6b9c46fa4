/**
 * {@code virtchain}, the command-line client of virtchaind. It must start fast (a person types
 * it, scripts loop over it), so it depends on nothing but the JDK and loads few classes: a
 * hand-written argument parser driven by one command table ({@link dev.virtchain.cli.Commands}),
 * a small JSON reader/writer, and one Unix-socket client. No lambdas or {@code String.format}
 * on the common paths: their bootstrap costs more than the rest of a run.
 */
package dev.virtchain.cli;
