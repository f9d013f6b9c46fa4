package dev.virtchain.cli;

import dev.virtchain.cli.Commands.Arity;
import dev.virtchain.cli.Commands.Command;
import dev.virtchain.cli.Commands.Option;
import dev.virtchain.cli.Commands.Positional;
import dev.virtchain.cli.Commands.Type;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything written about the commands, from the {@link Commands} table: usage lines,
 * {@code --help}, the man page and the bash completion. The man page and completion are
 * checked in under {@code cli/src/main/}; a test fails when they differ from what this class
 * makes, and {@code java -cp cli/target/classes dev.virtchain.cli.Manual man|completion}
 * prints them anew.
 */
final class Manual {
    static final String GLOBAL_USAGE = "virtchain [--socket PATH] [--json] [--quiet] [--timeout SECONDS] COMMAND ...";
    private static final int WIDTH = 80;

    private Manual() {
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        if (args.length == 1 && args[0].equals("man")) {
            out.print(manPage());
        } else if (args.length == 1 && args[0].equals("completion")) {
            out.print(completion());
        } else {
            System.err.println("usage: Manual man|completion");
            System.exit(2);
        }
    }

    // ---- help text ----

    static String usage(Command command) {
        StringBuilder out = new StringBuilder("virtchain ").append(command.name());
        for (Positional p : command.positionals()) {
            out.append(' ');
            if (p.arity() == Arity.OPTIONAL) {
                out.append('[').append(p.metavar()).append(']');
            } else {
                out.append(p.metavar()).append(p.arity() == Arity.MANY ? "..." : "");
            }
        }
        for (Option o : command.options()) {
            out.append(' ');
            String text = "--" + o.name() + (o.type() == Type.FLAG ? "" : " " + o.metavar());
            out.append(o.required() ? text : "[" + text + "]");
        }
        return out.toString();
    }

    /** What follows "error: …" for a usage error: the usage line and where to read more. */
    static String usageHint(Command command) {
        if (command == null) {
            return "usage: " + GLOBAL_USAGE + "\nTry 'virtchain help' for the list of commands.\n";
        }
        return "usage: " + usage(command) + "\nTry 'virtchain help " + command.name() + "' for more.\n";
    }

    static String overview() {
        StringBuilder out = new StringBuilder("usage: ").append(GLOBAL_USAGE).append("\n\n");
        out.append("virtchain asks virtchaind, the daemon that manages libvirt/QEMU external disk-only\n")
                .append("snapshot chains, to do things, and shows the answer.\n\nCommands:\n");
        Map<String, String> rows = new LinkedHashMap<>();
        for (Command c : Commands.ALL) {
            rows.put(c.name(), c.summary());
        }
        rows.put("help [COMMAND]", "show this, or a command's arguments and options");
        columns(out, rows);
        out.append("\nGlobal options (before or after the command):\n");
        columns(out, optionRows(Commands.GLOBAL));
        out.append("\nExit status: 0 success, 1 the operation failed, 2 usage error, 3 virtchaind unreachable.\n");
        return out.toString();
    }

    static String help(Command command) {
        StringBuilder out = new StringBuilder("usage: ").append(usage(command)).append("\n\n");
        wrap(out, command.description(), "");
        if (!command.positionals().isEmpty()) {
            out.append("\nArguments:\n");
            Map<String, String> rows = new LinkedHashMap<>();
            for (Positional p : command.positionals()) {
                rows.put(p.metavar() + (p.arity() == Arity.MANY ? "..." : ""),
                        p.help() + (p.arity() == Arity.OPTIONAL ? " (optional)" : ""));
            }
            columns(out, rows);
        }
        if (!command.options().isEmpty()) {
            out.append("\nOptions:\n");
            columns(out, optionRows(command.options()));
        }
        out.append("\nGlobal options: --socket PATH, --json, --quiet, --timeout SECONDS, --help (see 'virtchain help').\n");
        return out.toString();
    }

    private static Map<String, String> optionRows(List<Option> options) {
        Map<String, String> rows = new LinkedHashMap<>();
        for (Option o : options) {
            String help = o.help();
            if (o.defaultValue() != null) {
                help += " (default: " + o.defaultValue() + ")";
            }
            if (o.required()) {
                help += " (required)";
            }
            rows.put("--" + o.name() + (o.type() == Type.FLAG ? "" : " " + o.metavar()), help);
        }
        return rows;
    }

    /** Two columns: names, then help wrapped beside them (on the next line when a name is long). */
    private static void columns(StringBuilder out, Map<String, String> rows) {
        int width = 0;
        for (String name : rows.keySet()) {
            if (name.length() <= 24) {
                width = Math.max(width, name.length());
            }
        }
        String indent = " ".repeat(2 + width + 2);
        for (Map.Entry<String, String> row : rows.entrySet()) {
            out.append("  ").append(row.getKey());
            if (row.getKey().length() > width) {
                out.append('\n').append(indent);
            } else {
                Table.spaces(out, width - row.getKey().length() + 2);
            }
            int start = out.length();
            wrap(out, row.getValue(), indent);
            // The first line is already indented by the name column.
            out.delete(start, start + indent.length());
        }
    }

    private static void wrap(StringBuilder out, String text, String indent) {
        int lineStart = out.length();
        out.append(indent);
        boolean empty = true;
        for (String word : text.split(" ")) {
            if (!empty && out.length() - lineStart + 1 + word.length() > WIDTH) {
                out.append('\n');
                lineStart = out.length();
                out.append(indent);
                empty = true;
            }
            if (!empty) {
                out.append(' ');
            }
            out.append(word);
            empty = false;
        }
        out.append('\n');
    }

    // ---- man page ----

    static String manPage() {
        StringBuilder out = new StringBuilder();
        out.append(".\\\" Generated from the command table by dev.virtchain.cli.Manual; do not edit.\n")
                .append(".TH VIRTCHAIN 1 \"\" \"virtchain\" \"User Commands\"\n")
                .append(".SH NAME\nvirtchain \\- manage libvirt/QEMU external snapshot chains through virtchaind\n")
                .append(".SH SYNOPSIS\n.B virtchain\n")
                .append("[\\fB\\-\\-socket\\fR \\fIPATH\\fR] [\\fB\\-\\-json\\fR] [\\fB\\-\\-quiet\\fR] ")
                .append("[\\fB\\-\\-timeout\\fR \\fISECONDS\\fR] ")
                .append("\\fICOMMAND\\fR [\\fIARGUMENT\\fR...]\n")
                .append(".SH DESCRIPTION\n")
                .append(troff("virtchain is the command-line companion of virtchaind, the daemon that takes "
                        + "external disk-only snapshots through libvirt, merges and deletes them with QEMU block "
                        + "jobs by the cheapest plan, runs snapshot and retention policies, and keeps a ledger of "
                        + "which file holds each point in time. Each command is one request on the daemon's "
                        + "control socket; long operations show their progress on standard error."))
                .append('\n')
                .append(".SH GLOBAL OPTIONS\nThese may be given before or after the command.\n");
        for (Option o : Commands.GLOBAL) {
            option(out, o);
        }
        out.append(".SH COMMANDS\n");
        for (Command c : Commands.ALL) {
            out.append(".SS ").append(troff(c.name())).append('\n');
            out.append(".B ").append(troff(usage(c))).append("\n.PP\n");
            out.append(troff(c.description())).append('\n');
            for (Positional p : c.positionals()) {
                out.append(".TP\n\\fI").append(troff(p.metavar())).append("\\fR")
                        .append(p.arity() == Arity.MANY ? "..." : "").append('\n')
                        .append(troff(p.help() + (p.arity() == Arity.OPTIONAL ? " (optional)." : "."))).append('\n');
            }
            for (Option o : c.options()) {
                option(out, o);
            }
        }
        out.append(".SS help\n.B virtchain help [COMMAND]\n.PP\n")
                .append("Shows the list of commands, or one command's arguments and options; so does ")
                .append("\\fB\\-\\-help\\fR after a command.\n")
                .append(".SH OUTPUT\n")
                .append(troff("By default results are aligned tables; sizes are in binary units (1.5 GiB) and "
                        + "times are ISO-8601 in local time. With --json the daemon's result is printed as "
                        + "indented JSON, unchanged; its shapes are documented in JSON.md. With --quiet nothing is "
                        + "printed on success. Errors always go to standard error."))
                .append('\n')
                .append(".SH EXIT STATUS\n.TP\n0\nSuccess.\n.TP\n1\nThe operation failed: virtchaind answered "
                        + "with an error, or the connection broke before its answer.\n.TP\n2\nUsage error: "
                        + "unknown command or option, missing or bad argument. Nothing was sent.\n.TP\n3\n"
                        + "virtchaind is unreachable or unresponsive: its socket is missing, refuses connections, or "
                        + "may not be opened by this user, or the daemon sent nothing within the \\fB\\-\\-timeout\\fR "
                        + "(an operation already started may still run: see \\fBvirtchain job\\-list\\fR).\n")
                .append(".SH ENVIRONMENT\n.TP\nVIRTCHAIN_SOCKET\n")
                .append("The control socket, when \\fB\\-\\-socket\\fR is not given.\n")
                .append(".SH FILES\n.TP\n").append(troff(Main.DEFAULT_SOCKET)).append('\n')
                .append("The default control socket; members of group virtchain may connect.\n")
                .append(".SH SEE ALSO\n.BR virsh (1),\n.BR qemu-img (1)\n");
        return out.toString();
    }

    private static void option(StringBuilder out, Option o) {
        out.append(".TP\n\\fB\\-\\-").append(troff(o.name())).append("\\fR");
        if (o.type() != Type.FLAG) {
            out.append(" \\fI").append(troff(o.metavar())).append("\\fR");
        }
        out.append('\n');
        String help = o.help();
        if (o.defaultValue() != null) {
            help += " (default: " + o.defaultValue() + ")";
        }
        if (o.required()) {
            help += " (required)";
        }
        out.append(troff(help + ".")).append('\n');
    }

    /** Escapes text for troff: backslashes, hyphens, and a leading dot or quote. */
    private static String troff(String text) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                out.append("\\e");
            } else if (c == '-') {
                out.append("\\-");
            } else {
                out.append(c);
            }
        }
        if (out.length() > 0 && (out.charAt(0) == '.' || out.charAt(0) == '\'')) {
            out.insert(0, "\\&");
        }
        return out.toString();
    }

    // ---- bash completion ----

    static String completion() {
        StringBuilder out = new StringBuilder();
        List<String> names = new ArrayList<>();
        for (Command c : Commands.ALL) {
            names.add(c.name());
        }
        names.add(Commands.HELP);
        out.append("# bash completion for virtchain.\n")
                .append("# Generated from the command table by dev.virtchain.cli.Manual; do not edit.\n")
                .append("_virtchain() {\n")
                .append("    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n")
                .append("    local commands=\"").append(String.join(" ", names)).append("\"\n")
                .append("    local globals=\"");
        List<String> globals = new ArrayList<>();
        for (Option o : Commands.GLOBAL) {
            globals.add("--" + o.name());
        }
        out.append(String.join(" ", globals)).append("\"\n")
                .append("    local i cmd=\n")
                .append("    for ((i = 1; i < COMP_CWORD; i++)); do\n")
                .append("        case ${COMP_WORDS[i]} in\n")
                .append("            --socket|--timeout) ((i++)) ;;\n")
                .append("            -*) ;;\n")
                .append("            *) cmd=${COMP_WORDS[i]}; break ;;\n")
                .append("        esac\n")
                .append("    done\n")
                .append("    case $prev in\n")
                .append("        --socket) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n")
                .append("        --timeout) return ;;\n");
        // Option values: by option name, which means the same in every command (a test checks).
        Map<String, Option> valued = new LinkedHashMap<>();
        for (Command c : Commands.ALL) {
            for (Option o : c.options()) {
                if (o.type() != Type.FLAG) {
                    valued.putIfAbsent(o.name(), o);
                }
            }
        }
        List<String> free = new ArrayList<>();
        for (Option o : valued.values()) {
            if (o.type() == Type.CHOICE) {
                out.append("        --").append(o.name()).append(") COMPREPLY=($(compgen -W \"")
                        .append(String.join(" ", o.choices())).append("\" -- \"$cur\")); return ;;\n");
            } else if (o.type() == Type.PATH) {
                out.append("        --").append(o.name()).append(") COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n");
            } else {
                free.add("--" + o.name());
            }
        }
        if (!free.isEmpty()) {
            out.append("        ").append(String.join("|", free)).append(") COMPREPLY=(); return ;;\n");
        }
        out.append("    esac\n")
                .append("    if [[ -z $cmd ]]; then\n")
                .append("        COMPREPLY=($(compgen -W \"$commands $globals\" -- \"$cur\"))\n")
                .append("        return\n")
                .append("    fi\n")
                .append("    local opts= files=\n")
                .append("    case $cmd in\n")
                .append("        help) COMPREPLY=($(compgen -W \"$commands\" -- \"$cur\")); return ;;\n");
        for (Command c : Commands.ALL) {
            List<String> opts = new ArrayList<>();
            for (Option o : c.options()) {
                opts.add("--" + o.name());
            }
            boolean files = false;
            for (Positional p : c.positionals()) {
                files |= p.type() == Type.PATH;
            }
            out.append("        ").append(c.name()).append(") opts=\"").append(String.join(" ", opts)).append('"')
                    .append(files ? "; files=1" : "").append(" ;;\n");
        }
        out.append("    esac\n")
                .append("    if [[ $cur == -* ]]; then\n")
                .append("        COMPREPLY=($(compgen -W \"$opts $globals\" -- \"$cur\"))\n")
                .append("    elif [[ -n $files ]]; then\n")
                .append("        COMPREPLY=($(compgen -f -- \"$cur\"))\n")
                .append("    fi\n")
                .append("}\n")
                .append("complete -F _virtchain virtchain\n");
        return out.toString();
    }
}
