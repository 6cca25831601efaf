package dev.glimpse.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import picocli.CommandLine;

/** {@code --help} on every registered command exits 0 and prints its usage, even when it has required options. */
class HelpOptionTest {

    @TestFactory
    Stream<DynamicTest> shouldPrintUsageAndExitZeroOnHelpForEveryCommand() {
        List<List<String>> paths = new ArrayList<>();
        collect(Glimpse.commandLine(), new ArrayList<>(), paths);
        // Given every command reachable from ./glimpse (the root, its subcommands and theirs)
        assertTrue(paths.size() > 20, "expected every registered command, found " + paths);
        return paths.stream().map(path -> DynamicTest.dynamicTest("glimpse " + String.join(" ", path) + " --help", () -> {
            // When --help is the only option given
            CommandLine cli = Glimpse.commandLine();
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            cli.setOut(new PrintWriter(out, true));
            cli.setErr(new PrintWriter(err, true));
            List<String> args = new ArrayList<>(path);
            args.add("--help");
            int exit = cli.execute(args.toArray(String[]::new));

            // Then the usage is printed and nothing complains about missing required options
            assertEquals(0, exit, "exit code; stderr: " + err);
            assertTrue(out.toString().startsWith("Usage: glimpse"), "usage on stdout, got: " + out);
            assertFalse(err.toString().contains("Missing required"), err.toString());
        }));
    }

    private static void collect(CommandLine cli, List<String> path, List<List<String>> paths) {
        paths.add(List.copyOf(path));
        for (CommandLine sub : cli.getSubcommands().values()) {
            List<String> p = new ArrayList<>(path);
            p.add(sub.getCommandName());
            collect(sub, p, paths);
        }
    }
}
