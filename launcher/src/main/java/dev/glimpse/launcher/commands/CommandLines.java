package dev.glimpse.launcher.commands;

import java.util.List;

/** The arguments the JVM was started with, to record how a model was made. */
final class CommandLines {

    private CommandLines() {
    }

    /** Arguments after the subcommand name, as given (from the {@code sun.java.command} property). */
    static List<String> current() {
        String cmd = System.getProperty("sun.java.command", "");
        String[] parts = cmd.split(" ");
        // parts[0] is the jar or main class, parts[1] the subcommand
        return parts.length > 2 ? List.of(parts).subList(2, parts.length) : List.of();
    }
}
