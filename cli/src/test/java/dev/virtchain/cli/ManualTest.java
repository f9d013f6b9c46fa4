package dev.virtchain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtchain.cli.Commands.Command;
import dev.virtchain.cli.Commands.Option;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The command table and everything written from it: help, man page, bash completion, JSON.md. */
class ManualTest {
    private static final String REGENERATE = "; regenerate: java -cp cli/target/classes dev.virtchain.cli.Manual ";

    @Test
    void theCheckedInManPageIsTheGeneratedOne() throws Exception {
        Path file = Fixtures.module().resolve("src/main/man/virtchain.1");
        assertEquals(Manual.manPage(), Files.readString(file), file + REGENERATE + "man > " + "cli/src/main/man/virtchain.1");
    }

    @Test
    void theCheckedInCompletionIsTheGeneratedOne() throws Exception {
        Path file = Fixtures.module().resolve("src/main/completion/virtchain.bash");
        assertEquals(Manual.completion(), Files.readString(file),
                file + REGENERATE + "completion > cli/src/main/completion/virtchain.bash");
    }

    @Test
    void everyCommandAndOptionIsInTheCompletionManPageAndHelp() throws Exception {
        String completion = Files.readString(Fixtures.module().resolve("src/main/completion/virtchain.bash"));
        String man = Manual.manPage();
        String overview = Manual.overview();
        for (Command command : Commands.ALL) {
            assertTrue(completion.contains("\"" + command.name() + " ") || completion.contains(" " + command.name() + " "),
                    command.name() + " not in the command list of the completion");
            assertTrue(completion.contains("        " + command.name() + ") opts="), command.name() + " has no options case");
            assertTrue(man.contains(".SS " + command.name().replace("-", "\\-") + "\n"), command.name() + " not in man page");
            assertTrue(overview.contains("  " + command.name() + " "), command.name() + " not in help");
            String help = Manual.help(command);
            for (Option option : command.options()) {
                assertTrue(completion.contains("--" + option.name()), option.name() + " not in completion");
                assertTrue(help.contains("--" + option.name()), option.name() + " not in help of " + command.name());
            }
        }
    }

    @Test
    void theCompletionIsValidBash() throws Exception {
        Process bash = new ProcessBuilder("bash", "-n",
                Fixtures.module().resolve("src/main/completion/virtchain.bash").toString())
                .redirectErrorStream(true).start();
        String output = new String(bash.getInputStream().readAllBytes());
        assertEquals(0, bash.waitFor(), output);
    }

    @Test
    void theCompletionCompletes() throws Exception {
        String script = "source " + Fixtures.module().resolve("src/main/completion/virtchain.bash") + "\n"
                + "complete_words() { COMP_WORDS=(\"$@\"); COMP_CWORD=$(( $# - 1 )); COMPREPLY=(); _virtchain; "
                + "echo \"${COMPREPLY[*]}\"; }\n"
                + "complete_words virtchain snapshot-d\n"
                + "complete_words virtchain --json snapshot-delete web1 a --d\n"
                + "complete_words virtchain snapshot-create web1 --quiesce ''\n"
                + "complete_words virtchain help policy-\n";
        Process bash = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true).start();
        String output = new String(bash.getInputStream().readAllBytes());
        assertEquals(0, bash.waitFor(), output);
        assertEquals("snapshot-delete\n--dry-run\nyes no auto\npolicy-set policy-show policy-remove\n", output);
    }

    @Test
    void anOptionNameMeansTheSameInEveryCommand() {
        // The completion (and people) rely on it: --quiesce takes the same values everywhere.
        Map<String, Option> seen = new HashMap<>();
        for (Command command : Commands.ALL) {
            for (Option option : command.options()) {
                Option first = seen.putIfAbsent(option.name(), option);
                if (first != null) {
                    assertEquals(first.type(), option.type(), option.name());
                    assertEquals(first.choices(), option.choices(), option.name());
                    assertEquals(first.metavar(), option.metavar(), option.name());
                }
            }
        }
    }

    @Test
    void theTableIsWellFormed() {
        for (Command command : Commands.ALL) {
            boolean optionalSeen = false;
            int many = 0;
            for (Commands.Positional p : command.positionals()) {
                many += p.arity() == Commands.Arity.MANY ? 1 : 0;
                if (p.arity() == Commands.Arity.OPTIONAL) {
                    optionalSeen = true;
                } else {
                    assertFalse(optionalSeen, command.name() + ": a required argument after an optional one");
                }
            }
            assertTrue(many <= 1, command.name() + ": more than one repeated argument");
            for (Option option : command.options()) {
                assertTrue(option.name().matches("[a-z][a-z-]*"), option.name());
                assertFalse(Commands.GLOBAL.stream().anyMatch(g -> g.name().equals(option.name())),
                        option.name() + " shadows a global option");
            }
            assertFalse(command.summary().endsWith("."), command.name() + ": summaries have no full stop");
            assertTrue(command.description().endsWith("."), command.name() + ": descriptions are sentences");
        }
    }

    @Test
    void jsonMdDocumentsEveryCommandAndItsExamplesParse() throws Exception {
        String doc = Files.readString(Fixtures.module().resolve("JSON.md"));
        for (Command command : Commands.ALL) {
            assertTrue(doc.contains("`" + command.name() + "`"), command.name() + " not in JSON.md");
        }
        int blocks = 0;
        int at = 0;
        while ((at = doc.indexOf("```json\n", at)) >= 0) {
            int end = doc.indexOf("```", at + 8);
            String block = doc.substring(at + 8, end);
            try {
                Json.parse(block);
            } catch (IllegalArgumentException e) {
                throw new AssertionError("JSON.md example does not parse: " + e.getMessage() + "\n" + block, e);
            }
            blocks++;
            at = end + 3;
        }
        assertTrue(blocks > 10, "JSON.md has its examples in ```json blocks");
    }
}
