package dev.virtchain.cli;

import dev.virtchain.cli.Commands.Arity;
import dev.virtchain.cli.Commands.Command;
import dev.virtchain.cli.Commands.Option;
import dev.virtchain.cli.Commands.Positional;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns the command line into an {@link Invocation} by the {@link Commands} table, checking
 * everything that can be checked without the daemon: the command, options and their values,
 * the number of arguments, and names that cannot be right.
 *
 * <p>Global options may come before or after the command; {@code --} ends option parsing;
 * {@code --name=value} and {@code --name value} are the same.
 */
final class CommandLine {
    /** Longest domain, snapshot or disk name accepted; libvirt and file names stay well inside it. */
    static final int MAX_NAME_LENGTH = 128;

    /**
     * What to do. With {@code help} set, show the help of {@code command}, or the overview when
     * {@code command} is null, and contact nobody.
     */
    /** @param timeoutSeconds the --timeout given, or null for the default */
    record Invocation(Command command, Map<String, Object> args, String socket, boolean json, boolean quiet,
                      boolean help, Integer timeoutSeconds) {
    }

    private final Path workingDirectory;
    private String socket;
    private boolean json;
    private boolean quiet;
    private boolean help;
    private Integer timeout;

    private CommandLine(Path workingDirectory) {
        this.workingDirectory = workingDirectory;
    }

    /** Parses {@code argv}; relative paths are resolved against {@code workingDirectory}. */
    static Invocation parse(String[] argv, Path workingDirectory) throws Failure {
        return new CommandLine(workingDirectory).parse(argv);
    }

    private Invocation parse(String[] argv) throws Failure {
        int i = 0;
        Command command = null;
        while (i < argv.length && command == null) {
            String arg = argv[i++];
            if (arg.equals("--")) {
                break;
            }
            if (isOption(arg)) {
                i = global(arg, argv, i, null);
                if (i < 0) {
                    throw Failure.usage("unknown option " + optionName(arg) + suggest(optionName(arg), null), null);
                }
                continue;
            }
            if (arg.equals(Commands.HELP)) {
                return helpTopic(argv, i);
            }
            command = Commands.find(arg);
            if (command == null) {
                throw Failure.usage("unknown command \"" + arg + "\"" + suggest(arg, null), null);
            }
        }
        if (command == null) {
            if (help) {
                return new Invocation(null, Map.of(), socket, json, quiet, true, timeout);
            }
            throw Failure.usage("missing COMMAND", null);
        }

        List<String> positionals = new ArrayList<>();
        Map<String, Object> options = new LinkedHashMap<>();
        boolean onlyPositionals = false;
        while (i < argv.length) {
            String arg = argv[i++];
            if (onlyPositionals || !isOption(arg)) {
                positionals.add(arg);
                continue;
            }
            if (arg.equals("--")) {
                onlyPositionals = true;
                continue;
            }
            String name = optionName(arg);
            Option option = command.option(name.substring(2));
            if (option == null) {
                int next = global(arg, argv, i, command);
                if (next < 0) {
                    throw Failure.usage("unknown option " + name + " for " + command.name() + suggest(name, command),
                            command);
                }
                i = next;
                continue;
            }
            String value = null;
            int eq = arg.indexOf('=');
            if (option.type() == Commands.Type.FLAG) {
                if (eq >= 0) {
                    throw Failure.usage("option " + name + " takes no value", command);
                }
            } else if (eq >= 0) {
                value = arg.substring(eq + 1);
            } else if (i < argv.length) {
                value = argv[i++];
            } else {
                throw Failure.usage("option " + name + " needs a value (" + option.metavar() + ")", command);
            }
            if (options.containsKey(option.key()) && option.type() != Commands.Type.FLAG) {
                throw Failure.usage("option " + name + " given twice", command);
            }
            options.put(option.key(), option.type() == Commands.Type.FLAG
                    ? Boolean.TRUE : optionValue(command, option, value));
        }
        if (help) {
            return new Invocation(command, Map.of(), socket, json, quiet, true, timeout);
        }

        Map<String, Object> args = new LinkedHashMap<>();
        assignPositionals(command, positionals, args);
        for (Option option : command.options()) {
            Object value = options.get(option.key());
            if (value == null && option.required()) {
                throw Failure.usage("missing --" + option.name() + " " + option.metavar(), command);
            }
            if (value == null && option.defaultValue() != null) {
                value = option.defaultValue();
            }
            if (value != null) {
                args.put(option.key(), value);
            }
        }
        return new Invocation(command, args, socket, json, quiet, false, timeout);
    }

    private Invocation helpTopic(String[] argv, int i) throws Failure {
        if (i >= argv.length) {
            return new Invocation(null, Map.of(), socket, json, quiet, true, timeout);
        }
        String topic = argv[i];
        Command command = Commands.find(topic);
        if (command == null) {
            throw Failure.usage("unknown command \"" + topic + "\"" + suggest(topic, null), null);
        }
        return new Invocation(command, Map.of(), socket, json, quiet, true, timeout);
    }

    /**
     * Takes a global option at {@code argv[i - 1]}; returns the index after it (and its value),
     * or -1 when {@code arg} is not a global option.
     */
    private int global(String arg, String[] argv, int i, Command command) throws Failure {
        String name = optionName(arg);
        boolean inline = arg.indexOf('=') >= 0;
        switch (name) {
            case "--json":
            case "--quiet":
            case "--help":
            case "-h":
                if (inline) {
                    throw Failure.usage("option " + name + " takes no value", command);
                }
                if (name.equals("--json")) {
                    json = true;
                } else if (name.equals("--quiet")) {
                    quiet = true;
                } else {
                    help = true;
                }
                return i;
            case "--socket":
                String value;
                if (inline) {
                    value = arg.substring(arg.indexOf('=') + 1);
                } else if (i < argv.length) {
                    value = argv[i++];
                } else {
                    throw Failure.usage("option --socket needs a value (PATH)", command);
                }
                if (socket != null) {
                    throw Failure.usage("option --socket given twice", command);
                }
                socket = path("--socket", value, command);
                return i;
            case "--timeout":
                String seconds;
                if (inline) {
                    seconds = arg.substring(arg.indexOf('=') + 1);
                } else if (i < argv.length) {
                    seconds = argv[i++];
                } else {
                    throw Failure.usage("option --timeout needs a value (SECONDS)", command);
                }
                if (timeout != null) {
                    throw Failure.usage("option --timeout given twice", command);
                }
                if (!seconds.matches("[0-9]{1,7}")) {
                    throw Failure.usage("option --timeout takes a whole number of seconds (0 waits for ever), not \""
                            + seconds + "\"", command);
                }
                timeout = Integer.valueOf(seconds);
                return i;
            default:
                return -1;
        }
    }

    private void assignPositionals(Command command, List<String> given, Map<String, Object> args) throws Failure {
        List<Positional> declared = command.positionals();
        int required = 0;
        for (Positional p : declared) {
            if (p.arity() != Arity.OPTIONAL) {
                required++;
            }
        }
        int next = 0;
        int optionalSlots = given.size() - required;
        for (Positional p : declared) {
            if (p.arity() == Arity.MANY) {
                int count = given.size() - next - (declared.size() - declared.indexOf(p) - 1);
                if (count < 1) {
                    throw Failure.usage("missing " + p.metavar(), command);
                }
                List<String> values = new ArrayList<>();
                for (int k = 0; k < count; k++) {
                    String value = positionalValue(command, p, given.get(next++));
                    if (values.contains(value)) {
                        throw Failure.usage(p.type().name().toLowerCase(Locale.ROOT) + " \"" + value + "\" given twice",
                                command);
                    }
                    values.add(value);
                }
                args.put(p.key(), values);
            } else if (p.arity() == Arity.OPTIONAL) {
                if (optionalSlots > 0 && next < given.size()) {
                    optionalSlots--;
                    args.put(p.key(), positionalValue(command, p, given.get(next++)));
                }
            } else {
                if (next >= given.size()) {
                    throw Failure.usage("missing " + p.metavar(), command);
                }
                args.put(p.key(), positionalValue(command, p, given.get(next++)));
            }
        }
        if (next < given.size()) {
            throw Failure.usage("unexpected argument \"" + given.get(next) + "\"", command);
        }
    }

    private String positionalValue(Command command, Positional p, String value) throws Failure {
        switch (p.type()) {
            case DOMAIN:
            case SNAPSHOT:
            case DISK:
                return checkName(p.type(), value, command);
            case PATH:
                return path(p.metavar(), value, command);
            default:
                return value;
        }
    }

    private Object optionValue(Command command, Option option, String value) throws Failure {
        String name = "--" + option.name();
        switch (option.type()) {
            case INTEGER:
                return integer(name, option.min(), value, command);
            case CHOICE:
                if (!option.choices().contains(value)) {
                    throw Failure.usage(name + " must be one of " + String.join(", ", option.choices())
                            + "; got \"" + value + "\"", command);
                }
                return value;
            case DOMAIN:
            case SNAPSHOT:
            case DISK:
                return checkName(option.type(), value, command);
            case DISKS:
                List<String> disks = new ArrayList<>();
                for (String disk : value.split(",", -1)) {
                    String checked = checkName(Commands.Type.DISK, disk, command);
                    if (disks.contains(checked)) {
                        throw Failure.usage("disk \"" + checked + "\" listed twice in " + name, command);
                    }
                    disks.add(checked);
                }
                return disks;
            case PATH:
                return path(name, value, command);
            case CRON:
                if (value.isBlank()) {
                    throw Failure.usage(name + " must not be empty", command);
                }
                return value;
            case TEXT:
                return value;
            case FLAG:
                return Boolean.TRUE;
        }
        throw new AssertionError(option.type());
    }

    private static Long integer(String name, long min, String value, Command command) throws Failure {
        boolean digits = !value.isEmpty();
        for (int k = value.startsWith("-") ? 1 : 0; k < value.length(); k++) {
            char c = value.charAt(k);
            digits &= c >= '0' && c <= '9';
        }
        if (!digits || value.equals("-")) {
            throw Failure.usage(name + " expects a whole number, got \"" + value + "\"", command);
        }
        long number;
        try {
            number = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw Failure.usage(name + " is too large: " + value, command);
        }
        if (number < min) {
            throw Failure.usage(name + " must be at least " + min + ", got " + value, command);
        }
        return number;
    }

    private String path(String what, String value, Command command) throws Failure {
        if (value.isEmpty()) {
            throw Failure.usage(what + " must not be empty", command);
        }
        if (value.indexOf('\0') >= 0 || value.indexOf('\n') >= 0) {
            throw Failure.usage(what + " must not contain a NUL or newline: " + quoted(value), command);
        }
        return workingDirectory.resolve(value).normalize().toString();
    }

    /**
     * Rejects names that cannot be right before the daemon is asked, so the message is the
     * user's words, not the file system's. The daemon checks names again; this only catches
     * the obvious.
     */
    static String checkName(Commands.Type type, String name, Command command) throws Failure {
        String why = null;
        if (name.isEmpty()) {
            why = "must not be empty";
        } else if (name.indexOf('/') >= 0) {
            why = "must not contain '/'";
        } else if (name.indexOf('\n') >= 0 || name.indexOf('\r') >= 0) {
            why = "must not contain a newline";
        } else if (name.indexOf('\0') >= 0) {
            why = "must not contain NUL";
        } else if (name.length() > MAX_NAME_LENGTH) {
            why = "must not be longer than " + MAX_NAME_LENGTH + " characters";
        } else if (name.startsWith(".")) {
            why = "must not start with '.'";
        } else if (name.startsWith("-")) {
            why = "must not start with '-'";
        }
        if (why != null) {
            throw Failure.usage("invalid " + type.name().toLowerCase(Locale.ROOT) + " name " + quoted(name) + ": " + why,
                    command);
        }
        return name;
    }

    private static String quoted(String s) {
        StringBuilder out = new StringBuilder();
        Json.quote(out, s);
        return out.toString();
    }

    private static boolean isOption(String arg) {
        return arg.length() > 1 && arg.charAt(0) == '-';
    }

    private static String optionName(String arg) {
        int eq = arg.indexOf('=');
        return eq < 0 ? arg : arg.substring(0, eq);
    }

    /** "; did you mean X?" for the closest command or option name, or nothing if none is close. */
    private static String suggest(String wrong, Command command) {
        List<String> candidates = new ArrayList<>();
        if (command == null && !wrong.startsWith("-")) {
            for (Command c : Commands.ALL) {
                candidates.add(c.name());
            }
            candidates.add(Commands.HELP);
        } else {
            if (command != null) {
                for (Option o : command.options()) {
                    candidates.add("--" + o.name());
                }
            }
            for (Option o : Commands.GLOBAL) {
                candidates.add("--" + o.name());
            }
        }
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates) {
            int d = distance(wrong, candidate);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return best != null && bestDistance <= Math.max(2, wrong.length() / 3) ? "; did you mean " + best + "?" : "";
    }

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
