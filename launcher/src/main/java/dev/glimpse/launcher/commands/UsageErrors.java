package dev.glimpse.launcher.commands;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;

/** Bad input to the training commands ends with one line naming what was wrong and exit code 2, no stack trace. */
final class UsageErrors {

    private UsageErrors() {
    }

    static Integer report(String command, Callable<Integer> body) throws Exception {
        try {
            return body.call();
        } catch (IllegalArgumentException | IOException | UncheckedIOException e) {
            // a missing or unreadable file, a folder without classes, an option out of range, no classifier head...
            System.err.println("glimpse " + command + ": " + e.getMessage());
            return 2;
        }
    }
}
