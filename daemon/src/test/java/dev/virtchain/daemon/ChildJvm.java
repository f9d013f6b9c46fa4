package dev.virtchain.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Starts a class's main in a separate JVM with the test class path, output to a file. */
final class ChildJvm {

    final Process process;
    final Path output;

    private ChildJvm(Process process, Path output) {
        this.process = process;
        this.output = output;
    }

    static ChildJvm start(Class<?> main, List<String> args, Map<String, String> env, Path output) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:-UsePerfData", "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        pb.environment().remove(CrashPoints.ENVIRONMENT_VARIABLE);
        pb.environment().remove("NOTIFY_SOCKET");
        pb.environment().remove("WATCHDOG_USEC");
        pb.environment().putAll(env);
        return new ChildJvm(pb.start(), output);
    }

    String output() throws IOException {
        return Files.readString(output);
    }
}
